import FedCore
import Foundation

/// Ready-made clusters and scenarios with realistic magnitudes.
package enum Scenarios {
    /// The names ``named(_:)`` knows.
    package static let names = ["demo", "nightlies", "small", "day"]

    /// The scenario called `name` (`demo` or `small`).
    package static func named(_ name: String) throws -> Scenario {
        switch name {
        case "demo": return demo
        case "nightlies": return nightlies
        case "small": return small
        case "day": return day
        default: throw TestBedError.unknownScenario(name: name, known: names)
        }
    }

    /// The end of the built-in scenarios' data: 2026-11-01T00:00:00Z.
    package static let fixedEnd: TimestampMs = 1_793_491_200_000

    /// Three OpenShift builds on two clusters plus a k3s baseline, 6 h at a 30 s scrape interval
    /// ending at ``fixedEnd``: `test-cluster-0` runs 4.6.1 and is upgraded to 4.6.8 half way,
    /// `test-cluster-1` runs 4.6.16, `edge-k3s-0` runs k3s v1.26.5+k3s1. CPU varies as
    /// ``demoCPUVariation`` says, so means, p95s and maxima differ as they do on real clusters.
    package static var demo: Scenario {
        let end = fixedEnd
        let start = end - 6 * 3_600_000
        return Scenario(
            dataStart: start, dataEnd: end,
            clusters: [
                ocp(name: "test-cluster-0", builds: [("4.6.1", start), ("4.6.8", start + 3 * 3_600_000)]),
                ocp(name: "test-cluster-1", builds: [("4.6.16", start)]),
                k3s(name: "edge-k3s-0", version: "v1.26.5+k3s1", from: start),
            ].map { $0.withCPUVariation(demoCPUVariation) })
    }

    /// The demo's CPU: a daily swing of ±30 % peaking at 21:00 UTC and ±30 % noise per minute.
    /// The peak sits at the demo's upgrade, half way through its window, so the swing is the same
    /// on both sides of it and does not pass for a change between 4.6.1 and 4.6.8.
    package static let demoCPUVariation = CPUVariation(dailyAmplitude: 0.3, peakSecondOfDay: 21 * 3600, noise: 0.3)

    /// How many nightlies ``nightlies`` has.
    package static let nightlyCount = 18
    /// How long each nightly runs on the CI cluster before the cluster stops for the day.
    package static let nightlyRun: Int64 = 2 * 3_600_000
    /// The namespace whose CPU steps up in ``nightlies``, by how much, and from which nightly on.
    package static let nightlyStepNamespace = "openshift-console-operator"
    package static let nightlyStepFactor = 1.5
    package static let nightlyStepIndex = 8
    /// The first nightly of the new level: `4.7.0-0.nightly-2026-10-22-000000`. The console
    /// operator is about 2 % of the CPU of the operators category, so the step moves no category
    /// or total by more than the 5 % a change point needs.
    package static var nightlyStepBuild: String { nightlyBuilds[nightlyStepIndex].version }

    /// One nightly a day at 00:00 UTC, the last on the day that ends at ``fixedEnd``.
    package static var nightlyBuilds: [(version: String, from: TimestampMs)] {
        let day: Int64 = 86_400_000
        let first = fixedEnd - Int64(nightlyCount) * day
        return (0..<nightlyCount).map { d in
            let from = first + Int64(d) * day
            return (nightlyName(at: from), from)
        }
    }

    /// The nightly job's CI cluster `ci-nightly-0`: an OpenShift cluster of 30 pods (the 4.6.20
    /// figures), scraped every minute, that installs each of the ``nightlyBuilds`` at 00:00 UTC,
    /// runs it for ``nightlyRun`` and stops until the next night (no samples, no build version in
    /// between). Kept small so that `make demo` generates and backfills it in seconds.
    /// CPU swings over the day as in ``demo`` (each run sees the same hours), each install uses
    /// a little more or less (±3 % per container), and the CPU of ``nightlyStepNamespace`` is
    /// ``nightlyStepFactor``× from ``nightlyStepBuild`` on: the one change the trend must find.
    package static var nightlies: Scenario {
        let builds = nightlyBuilds
        let day: Int64 = 86_400_000
        var cluster = ocp(
            name: "ci-nightly-0", builds: builds, maxPods: 30,
            figures: Dictionary(uniqueKeysWithValues: builds.map { ($0.version, "4.6.20") })
        )
        .withCPUVariation(demoCPUVariation).withBuildNoise(0.03)
        .scalingCPU(namespace: nightlyStepNamespace, by: nightlyStepFactor, in: Set(builds[nightlyStepIndex...].map(\.version)))
        let off = builds.map { ($0.from + nightlyRun)...($0.from + day - 1) }
        cluster.gaps = off
        cluster.versionMissing = off
        return Scenario(dataStart: builds[0].from, dataEnd: fixedEnd, scrapeInterval: 60_000, clusters: [cluster])
    }

    /// The ranges in which `cluster` writes samples: from its first build to the end of the
    /// data, less its ``ScenarioCluster/gaps``.
    package static func runs(of cluster: ScenarioCluster, in scenario: Scenario) -> [ClosedRange<TimestampMs>] {
        guard let first = cluster.builds.first?.from else { return [] }
        var runs: [ClosedRange<TimestampMs>] = []
        var start = max(first, scenario.dataStart)
        for gap in cluster.gaps.sorted(by: { $0.lowerBound < $1.lowerBound }) where gap.upperBound >= start {
            if gap.lowerBound > start { runs.append(start...(gap.lowerBound - 1)) }
            start = gap.upperBound + 1
        }
        if start <= scenario.dataEnd { runs.append(start...scenario.dataEnd) }
        return runs
    }

    /// The name of an OpenShift nightly of `version` built at `t`:
    /// `4.7.0-0.nightly-2026-10-24-000000` for 2026-10-24T00:00:00Z.
    package static func nightlyName(_ version: String = "4.7.0", at t: TimestampMs) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(t) / 1000))
        return "\(version)-0.nightly-"
            + String(format: "%04d-%02d-%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// A cluster-day for benchmarks: two full OpenShift clusters (about 430 containers in all),
    /// `bench-cluster-0` upgraded from 4.6.1 to 4.6.8 at noon and `bench-cluster-1` on 4.6.16,
    /// 24 h at 30 s ending at ``fixedEnd``.
    package static var day: Scenario {
        let end = fixedEnd
        let start = end - 24 * 3_600_000
        return Scenario(
            dataStart: start, dataEnd: end,
            clusters: [
                ocp(name: "bench-cluster-0", builds: [("4.6.1", start), ("4.6.8", start + 12 * 3_600_000)]),
                ocp(name: "bench-cluster-1", builds: [("4.6.16", start)]),
            ])
    }

    /// One OpenShift 4.6.1 cluster `small-ocp-0` of about 30 containers, 2 h ending at ``fixedEnd``.
    package static var small: Scenario {
        let end = fixedEnd
        let start = end - 2 * 3_600_000
        return Scenario(
            dataStart: start, dataEnd: end, clusters: [ocp(name: "small-ocp-0", builds: [("4.6.1", start)], maxPods: 20)])
    }

    /// An OpenShift cluster whose pods and usage per build come from the real 4.6 figures in
    /// ``OCP46Figures`` (redhat-et/caliper example/database.psql, Apache-2.0).
    ///
    /// - Parameters:
    ///   - builds: versions and the times they become current.
    ///   - maxPods: keeps at most this many pods, spread over the namespaces (first pod of each
    ///     namespace, then the second, …); nil keeps all (about 160).
    ///   - figures: which release's figures a build uses, when its version is not itself one of
    ///     `OCP46Figures.releases` (e.g. `["4.7.0-0.nightly-2021-01-15-123456": "4.6.20"]`).
    ///
    /// Pods keep their names across builds; a pod missing from a release's figures has no series
    /// while that build is current. About a third of the pods get a second container
    /// `kube-rbac-proxy` with 10 % of the pod's CPU and 15 % of its memory. Every node runs
    /// `kubelet.service` (0.2 cores, 150 MB) and `crio.service` (0.1 cores, 300 MB).
    package static func ocp(
        name: String, builds: [(version: String, from: TimestampMs)], maxPods: Int? = nil, figures: [String: String] = [:]
    ) -> ScenarioCluster {
        struct Key: Hashable {
            let namespace: String
            let prefix: String
            let ordinal: Int
        }
        var order: [Key] = []
        var firstPod: [Key: OCP46Figures.Pod] = [:]
        var usage: [Key: [String: OCP46Figures.Pod]] = [:]
        for build in builds {
            let release = figures[build.version] ?? build.version
            guard let pods = OCP46Figures.releases[release] else {
                preconditionFailure(
                    "No OpenShift figures for '\(release)'; map the build to one of \(OCP46Figures.releases.keys.sorted()) with `figures:`."
                )
            }
            var seen: [String: Int] = [:]
            for pod in pods {
                let group = pod.namespace + "/" + pod.prefix
                let key = Key(namespace: pod.namespace, prefix: pod.prefix, ordinal: seen[group, default: 0])
                seen[group, default: 0] += 1
                if firstPod[key] == nil {
                    order.append(key)
                    firstPod[key] = pod
                }
                usage[key, default: [:]][build.version] = pod
            }
        }
        if let maxPods, order.count > maxPods {
            // Round-robin over namespaces so that a small cluster still has many components.
            var byNamespace: [String: [Key]] = [:]
            var namespaces: [String] = []
            for key in order {
                if byNamespace[key.namespace] == nil { namespaces.append(key.namespace) }
                byNamespace[key.namespace, default: []].append(key)
            }
            var picked: [Key] = []
            var round = 0
            while picked.count < maxPods {
                for ns in namespaces where picked.count < maxPods {
                    if let list = byNamespace[ns], round < list.count { picked.append(list[round]) }
                }
                round += 1
            }
            let keep = Set(picked)
            order = order.filter(keep.contains)
        }

        var containers: [ScenarioContainer] = []
        var nodes: [String] = []
        for key in order {
            let pod = firstPod[key]!
            let node = "\(name)-\(pod.node)"
            if !nodes.contains(node) { nodes.append(node) }
            let seed = ScenarioNoise.fnv1a([name, key.namespace, key.prefix, String(key.ordinal)])
            let podName: String
            switch pod.naming {
            case .deployment:
                podName = "\(pod.prefix)-\(randomName(ScenarioNoise.fnv1a([name, key.namespace, key.prefix]), 10))-\(randomName(seed, 5))"
            case .daemonSet: podName = "\(pod.prefix)-\(randomName(seed, 5))"
            case .staticPod: podName = "\(pod.prefix)-\(node)"
            case .stable: podName = pod.prefix
            }
            var main = pod.prefix
            if pod.naming == .stable, let dash = main.lastIndex(of: "-"), main[main.index(after: dash)...].allSatisfy(\.isNumber) {
                main = String(main[..<dash])
            }
            let sidecar = ScenarioNoise.fnv1a([key.namespace, key.prefix]) % 3 == 0
            let byBuild = usage[key]!
            let parts: [(String, Double, Double)] = sidecar ? [(main, 0.9, 0.85), ("kube-rbac-proxy", 0.1, 0.15)] : [(main, 1, 1)]
            for (container, cpuShare, memShare) in parts {
                containers.append(
                    ScenarioContainer(
                        namespace: key.namespace, pod: podName, container: container,
                        image: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
                            + ClusterPlan.hex(key.namespace + "/" + container, 64),
                        node: node,
                        usage: byBuild.mapValues {
                            ScenarioUsage(cpuCores: $0.cpuCores * cpuShare, memoryBytes: ($0.memoryBytes * memShare).rounded())
                        }))
            }
        }
        let versions = builds.map(\.version)
        var hosts: [ScenarioHostService] = []
        for node in nodes.sorted() {
            hosts.append(host("kubelet.service", node, versions, cpu: 0.2, memory: 150e6))
            hosts.append(host("crio.service", node, versions, cpu: 0.1, memory: 300e6))
        }
        return ScenarioCluster(name: name, distribution: .ocp, builds: builds, workloads: containers, hostServices: hosts)
    }

    /// A single-node k3s cluster running one version from `from` on.
    package static func k3s(name: String, version: String, from: TimestampMs = 0) -> ScenarioCluster {
        k3s(name: name, builds: [(version, from)])
    }

    /// A single-node k3s cluster: the kube-system pods coredns, traefik, metrics-server,
    /// local-path-provisioner and svclb-traefik, and `k3s.service` (0.08 cores, 900 MB), which
    /// holds the whole control plane, kubelet and containerd. The same usage in every build.
    package static func k3s(name: String, builds: [(version: String, from: TimestampMs)]) -> ScenarioCluster {
        let node = "\(name)-node-0"
        let pods: [(String, String, [(String, String, Double, Double)])] = [
            (
                "kube-system", "coredns-\(randomName(1, 10))-\(randomName(2, 5))",
                [("coredns", "docker.io/rancher/mirrored-coredns-coredns:1.10.1", 0.003, 22e6)]
            ),
            (
                "kube-system", "traefik-\(randomName(3, 10))-\(randomName(4, 5))",
                [("traefik", "docker.io/rancher/mirrored-library-traefik:2.9.10", 0.002, 45e6)]
            ),
            (
                "kube-system", "metrics-server-\(randomName(5, 10))-\(randomName(6, 5))",
                [("metrics-server", "docker.io/rancher/mirrored-metrics-server:v0.6.3", 0.004, 28e6)]
            ),
            (
                "kube-system", "local-path-provisioner-\(randomName(7, 10))-\(randomName(8, 5))",
                [("local-path-provisioner", "docker.io/rancher/local-path-provisioner:v0.0.24", 0.0005, 12e6)]
            ),
            (
                "kube-system", "svclb-traefik-\(randomName(9, 8))-\(randomName(10, 5))",
                [
                    ("lb-tcp-80", "docker.io/rancher/klipper-lb:v0.4.4", 0.0001, 1.2e6),
                    ("lb-tcp-443", "docker.io/rancher/klipper-lb:v0.4.4", 0.0001, 1.2e6),
                ]
            ),
        ]
        return simpleCluster(
            name: name, distribution: .k3s, builds: builds, node: node, pods: pods,
            hosts: [("k3s.service", 0.08, 900e6)])
    }

    /// A single-node MicroShift cluster running one version from `from` on.
    package static func microshift(name: String, version: String, from: TimestampMs = 0) -> ScenarioCluster {
        microshift(name: name, builds: [(version, from)])
    }

    /// A single-node MicroShift cluster: pods in openshift-dns, openshift-ingress,
    /// openshift-ovn-kubernetes, openshift-service-ca and openshift-storage, and the host
    /// services `microshift.service` (0.15 cores, 550 MB), `microshift-etcd.scope` (0.03 cores,
    /// 120 MB) and `crio.service` (0.03 cores, 90 MB). The same usage in every build.
    package static func microshift(name: String, builds: [(version: String, from: TimestampMs)]) -> ScenarioCluster {
        let node = "\(name)-node-0"
        let image = { (what: String) in "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + ClusterPlan.hex(what, 64) }
        let pods: [(String, String, [(String, String, Double, Double)])] = [
            (
                "openshift-dns", "dns-default-\(randomName(11, 5))",
                [("dns", image("dns"), 0.002, 25e6), ("kube-rbac-proxy", image("krp"), 0.0002, 14e6)]
            ),
            ("openshift-dns", "node-resolver-\(randomName(12, 5))", [("dns-node-resolver", image("resolver"), 0.0003, 6e6)]),
            ("openshift-ingress", "router-default-\(randomName(13, 10))-\(randomName(14, 5))", [("router", image("router"), 0.003, 60e6)]),
            (
                "openshift-ovn-kubernetes", "ovnkube-master-\(randomName(15, 5))",
                [
                    ("northd", image("northd"), 0.002, 20e6), ("nbdb", image("nbdb"), 0.001, 12e6),
                    ("sbdb", image("sbdb"), 0.001, 14e6), ("ovnkube-master", image("ovnkube"), 0.004, 70e6),
                ]
            ),
            ("openshift-ovn-kubernetes", "ovnkube-node-\(randomName(16, 5))", [("ovn-controller", image("ovn-controller"), 0.002, 18e6)]),
            (
                "openshift-service-ca", "service-ca-\(randomName(17, 10))-\(randomName(18, 5))",
                [("service-ca-controller", image("service-ca"), 0.001, 30e6)]
            ),
            (
                "openshift-storage", "topolvm-controller-\(randomName(19, 10))-\(randomName(20, 5))",
                [("topolvm-controller", image("topolvm"), 0.0008, 25e6)]
            ),
            ("openshift-storage", "topolvm-node-\(randomName(21, 5))", [("topolvm-node", image("topolvm"), 0.0006, 20e6)]),
        ]
        return simpleCluster(
            name: name, distribution: .microshift, builds: builds, node: node, pods: pods,
            hosts: [("microshift.service", 0.15, 550e6), ("microshift-etcd.scope", 0.03, 120e6), ("crio.service", 0.03, 90e6)])
    }

    private static func simpleCluster(
        name: String, distribution: ScenarioDistribution, builds: [(version: String, from: TimestampMs)], node: String,
        pods: [(namespace: String, pod: String, containers: [(String, String, Double, Double)])],
        hosts: [(String, Double, Double)]
    ) -> ScenarioCluster {
        let versions = builds.map(\.version)
        var containers: [ScenarioContainer] = []
        for pod in pods {
            for (container, image, cpu, memory) in pod.containers {
                containers.append(
                    ScenarioContainer(
                        namespace: pod.namespace, pod: pod.pod, container: container, image: image, node: node,
                        usage: Dictionary(
                            versions.map { ($0, ScenarioUsage(cpuCores: cpu, memoryBytes: memory)) }, uniquingKeysWith: { a, _ in a })))
            }
        }
        return ScenarioCluster(
            name: name, distribution: distribution, builds: builds, workloads: containers,
            hostServices: hosts.map { host($0.0, node, versions, cpu: $0.1, memory: $0.2) })
    }

    private static func host(_ unit: String, _ node: String, _ versions: [String], cpu: Double, memory: Double) -> ScenarioHostService {
        ScenarioHostService(
            unit: unit, node: node,
            usage: Dictionary(versions.map { ($0, ScenarioUsage(cpuCores: cpu, memoryBytes: memory)) }, uniquingKeysWith: { a, _ in a }))
    }

    /// `count` characters of the alphabet Kubernetes uses for generated name suffixes.
    static func randomName(_ seed: UInt64, _ count: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var state = seed
        return String(
            (0..<count).map { _ in
                state = ScenarioNoise.splitMix64(state)
                return alphabet[Int(state % UInt64(alphabet.count))]
            })
    }
}
