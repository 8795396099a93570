import FedCore
import FedTestSupport

/// The benchmark's data: OpenShift cluster-days of a fixed number of real containers.
///
/// Built on `Scenarios.ocp` (the real OpenShift 4.6.1 per-pod figures, about 160 pods and 215
/// containers); pods are replicated round-robin across their namespaces (a second replica of the
/// first pod of every namespace, then of the second pod, …) until the cluster has exactly
/// `containers` containers, as a bigger cluster with more replicas would look.
struct BenchScenario: Sendable, Hashable {
    var containers = 400
    /// Length of the collect window; the data starts `lead` earlier so the rate window is filled.
    var hours = 24
    var stepSeconds: Int64 = 30
    var version = "4.6.1"
    /// Bump when the generated data changes, so that cached TSDBs are rebuilt.
    static let generation = 1

    /// Minutes of data before the window, for `rate(...[5m])` and the lookback.
    static let leadMinutes: Int64 = 15

    /// The cache key: every parameter that changes the generated data.
    var key: String { "ocp\(version)-c\(containers)-h\(hours)-s\(stepSeconds)-g\(Self.generation)" }

    static func clusterName(_ i: Int) -> String { "bench-ocp-\(i)" }

    /// The collect window: `hours × 3600 / step` points ending at `Scenarios.fixedEnd`
    /// (2,880 points for a day at 30 s).
    var grid: TimeGrid {
        let step = stepSeconds * 1000
        let count = hours * 3600 / Int(stepSeconds)
        return TimeGrid(start: Scenarios.fixedEnd - Int64(count - 1) * step, step: step, count: count)
    }

    /// The scenario holding only cluster `index` (clusters are generated and backfilled one at a
    /// time, so the text of only one is ever on disk).
    func scenario(cluster index: Int) -> Scenario {
        let g = grid
        let dataStart = g.start - Self.leadMinutes * 60_000
        return Scenario(
            dataStart: dataStart, dataEnd: g.end, scrapeInterval: stepSeconds * 1000,
            clusters: [cluster(index, from: dataStart)])
    }

    func cluster(_ index: Int, from: TimestampMs) -> ScenarioCluster {
        var cluster = Scenarios.ocp(name: Self.clusterName(index), builds: [(version, from)])
        cluster.workloads = Self.replicate(cluster.workloads, to: containers, seed: UInt64(index))
        return cluster
    }

    /// Adds pod replicas round-robin over namespaces until there are exactly `target` containers
    /// (the last replica may keep only its first containers); trims when there are more.
    static func replicate(_ workloads: [ScenarioContainer], to target: Int, seed: UInt64) -> [ScenarioContainer] {
        if workloads.count >= target { return Array(workloads.prefix(target)) }
        // Pods in order, grouped by namespace.
        var namespaces: [String] = []
        var pods: [String: [[ScenarioContainer]]] = [:]
        var podIndex: [String: Int] = [:]
        for c in workloads {
            let key = c.namespace + "/" + c.pod
            if pods[c.namespace] == nil { namespaces.append(c.namespace) }
            if let i = podIndex[key] {
                pods[c.namespace]![i].append(c)
            } else {
                podIndex[key] = pods[c.namespace, default: []].count
                pods[c.namespace, default: []].append([c])
            }
        }
        var out = workloads
        var taken = Set(workloads.map { $0.namespace + "/" + $0.pod })
        var replica = 1
        while out.count < target {
            for round in 0..<(pods.values.map(\.count).max() ?? 0) {
                for ns in namespaces where out.count < target {
                    guard let list = pods[ns], round < list.count else { continue }
                    let original = list[round]
                    var name = replicaName(original[0].pod, seed: seed, replica: replica)
                    var salt = 0
                    while taken.contains(ns + "/" + name) {
                        salt += 1
                        name = replicaName(original[0].pod, seed: seed &+ UInt64(salt) &* 7919, replica: replica)
                    }
                    taken.insert(ns + "/" + name)
                    for c in original where out.count < target {
                        var copy = c
                        copy.pod = name
                        out.append(copy)
                    }
                }
                if out.count >= target { break }
            }
            replica += 1
        }
        return out
    }

    /// A replica's pod name: the last generated part replaced by a new 5-character suffix, or a
    /// suffix appended to names without one (static pods, stateful sets).
    static func replicaName(_ pod: String, seed: UInt64, replica: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var state = ScenarioNoise.fnv1a([pod, String(seed), String(replica)])
        let suffix = String(
            (0..<5).map { _ in
                state = ScenarioNoise.splitMix64(state)
                return alphabet[Int(state % UInt64(alphabet.count))]
            })
        if let dash = pod.lastIndex(of: "-"), pod.distance(from: dash, to: pod.endIndex) == 6 {
            return String(pod[..<dash]) + "-" + suffix
        }
        return pod + "-" + suffix
    }
}
