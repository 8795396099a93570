import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// A hub shaped like the ones that exist: series federated by a ServiceMonitor with
/// `honorLabels: true` (the federator's labels stamped on pod cgroups, roll-ups and host
/// services, and the kubelet's /metrics/resource copies beside the cAdvisor ones), series
/// federated with `honor_labels: false` (`exported_` labels), an upgrade whose worker pool rolls
/// for 40 minutes after the cluster-version operator says completed, CronJob pods scraped once or
/// for a few minutes, a CI cluster torn down before the window ends, and the hub's own
/// `local-cluster`. No series carries a staleness marker, as after federation or backfill.
enum HubScenario {
    static let end = Scenarios.fixedEnd
    static let start = end - 3 * 3_600_000
    static let minute: Int64 = 60_000
    /// hub-mco-0: updating for 40 minutes from here, then the worker pool rolls for 40 more.
    static let upgrade = start + 40 * minute
    static let rolloutEnd = upgrade + 80 * minute
    /// hub-cron-0: a CronJob pod running for three minutes, and one scraped once.
    static let cronRun = (start + 60 * minute)...(start + 63 * minute)
    static let cronOnce = (start + 90 * minute)...(start + 90 * minute)
    /// hub-ci-0 is destroyed here: no sample of any kind from then on.
    static let teardown = start + 150 * minute

    static let scenario: Scenario = {
        var stamped = Scenarios.ocp(name: "hub-sm-0", builds: [("4.6.16", start)], maxPods: 16)
        stamped.federation = .serviceMonitor(replicas: 2)
        stamped.resourceCopies = true
        var exported = Scenarios.ocp(name: "hub-exp-0", builds: [("4.6.16", start)], maxPods: 16)
        exported.federation = .exportedLabels(replicas: 2)
        var pools = Scenarios.ocp(name: "hub-mco-0", builds: [("4.6.1", start), ("4.6.8", upgrade)], maxPods: 8)
        pools.machinePools = ScenarioMachinePools(workers: 3, workerRollout: 40 * minute)
        var cron = Scenarios.ocp(name: "hub-cron-0", builds: [("4.6.16", start)], maxPods: 8)
        let node = cron.workloads[0].node
        for (pod, run) in [("collect-profiles-29374560-x7k2p", cronRun), ("collect-profiles-29374590-q9z3n", cronOnce)] {
            cron.workloads.append(
                ScenarioContainer(
                    namespace: "openshift-operator-lifecycle-manager", pod: pod, container: "collect-profiles",
                    image: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + String(repeating: "c", count: 64), node: node,
                    usage: ["4.6.16": ScenarioUsage(cpuCores: 0.05, memoryBytes: 180e6)], activeDuring: [run]))
        }
        var ci = Scenarios.ocp(name: "hub-ci-0", builds: [("4.6.16", start)], maxPods: 8)
        ci.gaps = [teardown...end]
        ci.versionMissing = [teardown...end]
        let hub = Scenarios.ocp(name: "local-cluster", builds: [("4.6.16", start)], maxPods: 4)
        var raw = Scenarios.k3s(name: "hub-k3s-raw-0", version: "v1.26.5+k3s1", from: start)
        raw.rawContainerCgroups = true
        return Scenario(dataStart: start, dataEnd: end, clusters: [stamped, exported, pools, cron, ci, hub, raw])
    }()

}

@Suite("Hubs as they exist: stamped and exported labels, pools, stale samples", .serialized, .enabled(if: TestBed.shouldRun))
struct HubShapeTests {
    let s = HubScenario.scenario
    let step: Int64 = 30_000

    func store() async throws -> (SnapshotStore, String, RunResult) {
        let run = try await CollectedOnce.shared.get(HubScenario.scenario, name: "hub-shapes")
        let (url, folder, result) = (run.url, run.folder, run.result)
        // 5: partial data stored, for hub-k3s-raw-0 alone (its containers reach no component).
        #expect(result.status == 5, "collect failed: \(result.stderr)")
        return (try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true), url, result)
    }

    func snapshot(_ store: SnapshotStore, _ cluster: String, _ build: String = "4.6.16") throws -> SnapshotRecord {
        let found = try store.snapshots(SnapshotFilter(build: build, clusters: [cluster])).first
        return try #require(found, "no snapshot of \(cluster) \(build)")
    }

    /// A component's value at `t` from the generator's known inputs, as the cluster itself had
    /// it: its containers by their own labels and its host services by their unit. A sample counts
    /// at the scrape it was taken; a container's CPU rate needs that scrape and the one before.
    func expected(
        _ component: ComponentRef, _ resource: Resource, in cluster: ScenarioCluster, at t: TimestampMs, map: ComponentMap
    )
        -> Double
    {
        let containers = cluster.workloads.filter {
            map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])) == component
        }
        let hosts = cluster.hostServices.filter { map.classify(LabelSet(["id": "/system.slice/\($0.unit)"])) == component }
        switch resource {
        case .memory:
            return containers.compactMap { cluster.memorySample(of: $0, at: t) }.reduce(0, +)
                + hosts.compactMap { cluster.isInGap(t) ? nil : cluster.memoryBytes(of: $0, at: t) }.reduce(0, +)
        case .cpu:
            return containers.compactMap { c -> Double? in
                guard !cluster.isInGap(t), !cluster.isInGap(t - step), cluster.cpuCores(of: c, at: t - step) != nil,
                    let cores = cluster.cpuCores(of: c, at: t)
                else { return nil }
                guard let runs = c.activeDuring, let run = runs.first(where: { $0.contains(t) }) else { return cores }
                // A container that started inside the 5-minute rate window: rate() divides the
                // increase it extrapolates (by half a scrape interval towards the window's start,
                // since the first sample is further from it than 1.1 intervals) by the whole window.
                let window: Int64 = 300_000
                let first = max(run.lowerBound, t - window)
                guard first - (t - window) > step * 11 / 10 else { return cores }
                return cores * Double(t - first + step / 2) / Double(window)
            }.reduce(0, +) + hosts.compactMap { cluster.isInGap(t) ? nil : cluster.cpuCores(of: $0, at: t) }.reduce(0, +)
        }
    }

    /// Every stored component series of the snapshot equals the generator at every timestamp
    /// that counts, and no timestamp that counts lacks a value. Returns the components seen.
    @discardableResult
    func checkEveryComponent(_ store: SnapshotStore, _ snapshot: SnapshotRecord, cluster name: String) throws -> Set<String> {
        let cluster = try #require(s.cluster(named: name))
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let grid = snapshot.grid
        var mismatches: [String] = []
        for component in series {
            for i in 0..<grid.count where component.values[i].isFinite {
                let want = expected(component.component, component.resource, in: cluster, at: grid.timestamp(at: i), map: map)
                let tolerance = component.resource == .cpu ? 1e-6 : 1e-12
                if abs(component.values[i] - want) > tolerance * max(abs(want), 1) {
                    mismatches.append(
                        "\(component.component.name) \(component.resource.rawValue) at \(i): \(component.values[i]) vs \(want)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(8))")
        // Every component the generator has in the snapshot's span is there.
        let t = grid.timestamp(at: grid.count / 2)
        let wanted = Set(
            cluster.workloads.filter { cluster.memorySample(of: $0, at: t) != nil }.map {
                map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])).name
            } + cluster.hostServices.map { map.classify(LabelSet(["id": "/system.slice/\($0.unit)"])).name })
        let seen = Set(series.map(\.component.name))
        #expect(wanted.isSubset(of: seen), "missing \(wanted.subtracting(seen).sorted())")
        #expect(!seen.contains("other") || wanted.contains("other"), "something was left to `other`: \(seen.sorted())")
        return seen
    }

    @Test(
        "ServiceMonitor-stamped labels: pod cgroups, roll-ups and /metrics/resource copies are never added, host services keep their unit")
    func stampedLabels() async throws {
        let (store, url, _) = try await store()
        let snapshot = try snapshot(store, "hub-sm-0")
        #expect(!snapshot.partial)
        #expect(snapshot.includedTimestamps == snapshot.grid.count)
        let seen = try checkEveryComponent(store, snapshot, cluster: "hub-sm-0")
        #expect(seen.contains("kubelet") && seen.contains("crio"))
        // The trap is in the data: the naive container selector over the same hub, asked of
        // Prometheus itself, counts far more memory than the generator's containers hold.
        let cluster = try #require(s.cluster(named: "hub-sm-0"))
        let naive = try #require(
            try promScalar(
                url, #"sum(container_memory_working_set_bytes{cluster="hub-sm-0", container!="", container!="POD", pod!=""})"#,
                at: snapshot.end))
        let real = cluster.workloads.compactMap { cluster.memorySample(of: $0, at: snapshot.end) }.reduce(0, +)
        #expect(naive > 2 * real, "naive \(naive) vs containers \(real)")
    }

    @Test("exported_ labels: every series is attributed by its exported_namespace/pod/container, and the snapshot says so")
    func exportedLabels() async throws {
        let (store, url, result) = try await store()
        let snapshot = try snapshot(store, "hub-exp-0")
        #expect(!snapshot.partial)
        try checkEveryComponent(store, snapshot, cluster: "hub-exp-0")
        #expect(
            snapshot.warnings.contains { $0.contains("exported_namespace") && $0.contains("honorLabels: true") }, "\(snapshot.warnings)")
        #expect(result.stderr.contains("hub-exp-0") && result.stderr.contains("honor_labels: false"))
        // Prometheus confirms the hub holds the federator's namespace on every container series.
        let own = try promScalar(
            url, #"count(container_memory_working_set_bytes{cluster="hub-exp-0", image!="", namespace!="openshift-monitoring"})"#,
            at: snapshot.end)
        #expect(own == nil)
        let exportedCount = try #require(
            try promScalar(
                url, #"count(container_memory_working_set_bytes{cluster="hub-exp-0", exported_namespace!=""})"#, at: snapshot.end))
        #expect(exportedCount > 0)
    }

    @Test("an upgrade lasts until every machine-config pool is updated, then the settle period")
    func workerPoolsAfterCompleted() async throws {
        let (store, _, _) = try await store()
        let before = try snapshot(store, "hub-mco-0", "4.6.1")
        let after = try snapshot(store, "hub-mco-0", "4.6.8")
        let settle: Int64 = 15 * HubScenario.minute
        // By hand: updating from the upgrade for 40 minutes, the worker pool 40 minutes more.
        #expect(before.end == HubScenario.upgrade - step)
        #expect(after.start == HubScenario.rolloutEnd + settle)
        let upgrading = (HubScenario.rolloutEnd - HubScenario.upgrade) / step
        #expect(before.leftOut.upgrading + after.leftOut.upgrading == Int(upgrading))
        #expect(before.leftOut.settling + after.leftOut.settling == Int(settle / step))
        #expect(!after.warnings.contains { $0.contains("mco_machine_count") }, "\(after.warnings)")
        try checkEveryComponent(store, after, cluster: "hub-mco-0")
    }

    @Test("a CronJob pod counts for the scrapes it had, not for the 5-minute lookback after them")
    func oneSamplePods() async throws {
        let (store, _, _) = try await store()
        let snapshot = try snapshot(store, "hub-cron-0")
        try checkEveryComponent(store, snapshot, cluster: "hub-cron-0")
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let olm = try #require(series.first { $0.component.name == "olm" && $0.resource == .memory })
        let grid = snapshot.grid
        // By hand: the pod scraped once adds its 180 MB at exactly one timestamp.
        // No value: olm had no member running then (this cluster's other olm pods were not picked).
        func at(_ t: TimestampMs) -> Double {
            let v = olm.values[Int((t - grid.start) / step)]
            return v.isNaN ? 0 : v
        }
        let once = HubScenario.cronOnce.lowerBound
        let baseline = at(once - step)
        let single = at(once) - baseline
        #expect(abs(single - 180e6) < 0.11 * 180e6, "one scrape adds \(single)")
        for k in 1...10 {
            let later = at(once + Int64(k) * step)
            #expect(abs(later - baseline) <= 0.05 * baseline, "still counted \(k) scrapes later: \(later) vs \(baseline)")
        }
    }

    @Test("a torn-down cluster's snapshot ends at its last sample, with no stale tail")
    func tornDownCluster() async throws {
        let (store, _, _) = try await store()
        let snapshot = try snapshot(store, "hub-ci-0")
        #expect(snapshot.end == HubScenario.teardown - step)
        try checkEveryComponent(store, snapshot, cluster: "hub-ci-0")
    }

    @Test("container cgroups that carry no image and no pod labels are counted and named, and the snapshot is partial")
    func containersWithoutLabels() async throws {
        let (store, _, result) = try await store()
        let snapshot = try snapshot(store, "hub-k3s-raw-0", "v1.26.5+k3s1")
        #expect(try store.snapshots().filter(\.partial).map(\.cluster) == ["hub-k3s-raw-0"])
        let cluster = try #require(s.cluster(named: "hub-k3s-raw-0"))
        // From the generator: one cgroup per container and one per pause container.
        let want = cluster.workloads.count + Set(cluster.workloads.map { $0.namespace + "/" + $0.pod }).count
        #expect(snapshot.partial)
        #expect(
            snapshot.warnings.contains { $0.hasPrefix("\(want) container cgroup(s) under /kubepods carry no image") },
            "\(snapshot.warnings)")
        #expect(result.stderr.contains("\(want) container cgroup(s)"))
        // What the hub does have stays right: k3s.service, by its unit.
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let k3s = try #require(series.first { $0.component.name == "k3s" && $0.resource == .memory })
        let service = try #require(cluster.hostServices.first)
        let grid = snapshot.grid
        for i in 0..<grid.count where k3s.values[i].isFinite {
            #expect(k3s.values[i] == cluster.memoryBytes(of: service, at: grid.timestamp(at: i)))
        }
        #expect(Set(series.map(\.component.name)) == ["k3s"])
    }

    @Test("the hub's own local-cluster is skipped by discovery, with a note that names it")
    func hubItselfSkipped() async throws {
        let (store, _, result) = try await store()
        #expect(try store.snapshots(SnapshotFilter(clusters: ["local-cluster"])).isEmpty)
        #expect(result.stderr.contains("local-cluster") && result.stderr.contains("skipped"), "\(result.stderr)")
        #expect(try !store.snapshots(SnapshotFilter(clusters: ["hub-sm-0"])).isEmpty)
    }
}

/// Builds whose names and release dates disagree, and clusters of different sizes: a nightly of
/// 4.14.0 whose payload was built after 4.14.12 shipped (its name sorts before both), and a
/// 4.15.0 cluster with another node count.
enum OrderScenario {
    static let end = Scenarios.fixedEnd
    static let start = end - 6 * 3_600_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 24 * hour
    static let nightly = "4.14.0-0.nightly-2026-10-31-180000"
    static let builds: [(version: String, from: TimestampMs)] = [
        ("4.14.0", start), ("4.14.12", start + 2 * hour), (nightly, start + 4 * hour),
    ]
    /// By hand: 4.14.0's payload 60 days before the window, 4.14.12's 5 days before it, the
    /// nightly's on its own date (a day before the data ends): the build order is 4.14.0,
    /// 4.14.12, nightly, where version order puts the nightly first.
    static let payloads: [String: TimestampMs] = [
        "4.14.0": start - 60 * day, "4.14.12": start - 5 * day, nightly: 1_793_469_600_000,
    ]

    static let scenario: Scenario = {
        var upgraded = Scenarios.ocp(
            name: "ord-ocp-0", builds: builds, maxPods: 40, figures: ["4.14.0": "4.6.1", "4.14.12": "4.6.8", nightly: "4.6.16"])
        upgraded.payloadCreated = payloads
        let small = Scenarios.ocp(name: "ord-ocp-1", builds: [("4.15.0", start)], maxPods: 3, figures: ["4.15.0": "4.6.16"])
        return Scenario(dataStart: start, dataEnd: end, clusters: [upgraded, small])
    }()
}

@Suite("Build order by release date, node counts", .serialized, .enabled(if: TestBed.shouldRun))
struct BuildOrderTests {
    let s = OrderScenario.scenario

    func collected() async throws -> (folder: String, config: String) {
        let run = try await CollectedOnce.shared.get(OrderScenario.scenario, name: "build-order")
        let (folder, config, result) = (run.folder, run.config, run.result)
        #expect(result.status == 0, "collect failed: \(result.stderr)")
        return (folder, config)
    }

    func json(_ args: [String], config: String) throws -> [String: Any] {
        let r = try runFedreport(args + ["--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test("builds within a stream are ordered by their payload's creation time in builds, report and trend")
    func payloadOrder() async throws {
        let (folder, config) = try await collected()
        let store = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true)
        // Every snapshot carries the value cluster_version{type="current"} had for its build.
        for snapshot in try store.snapshots(SnapshotFilter(clusters: ["ord-ocp-0"])) {
            #expect(snapshot.payloadCreated == OrderScenario.payloads[snapshot.build], "\(snapshot.build)")
        }
        #expect(sortedBuilds(OrderScenario.payloads.keys.map { $0 }).first == OrderScenario.nightly)
        let builds = try runFedreport(["builds", "--format", "json", "--config", config])
        #expect(builds.status == 0, "\(builds.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(builds.stdout.utf8)) as? [[String: Any]])
        let names = list.filter { ($0["build"] as? String)?.hasPrefix("4.14") == true }.compactMap { $0["build"] as? String }
        #expect(names == ["4.14.0", "4.14.12", OrderScenario.nightly])
        // report --builds 2 on the upgraded cluster compares the newest build by date with the
        // one before it (by version it would compare 4.14.0 with 4.14.12).
        let report = try json(
            ["report", "--distribution", "ocp", "--cluster", "ord-ocp-0", "--builds", "2", "--format", "json", "--output", "-"],
            config: config)
        #expect(report["builds"] as? [String] == ["4.14.12", OrderScenario.nightly])
        let comparison = try #require(report["comparison"] as? [String: Any])
        #expect((comparison["a"] as? [String: Any])?["build"] as? String == "4.14.12")
        #expect((comparison["b"] as? [String: Any])?["build"] as? String == OrderScenario.nightly)
    }

    @Test("each side names its clusters' node counts; different counts are flagged in the data quality and the headline")
    func nodeCounts() async throws {
        let (folder, config) = try await collected()
        let store = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true)
        let big = try #require(s.cluster(named: "ord-ocp-0"))
        let small = try #require(s.cluster(named: "ord-ocp-1"))
        // From the generator: the nodes its pods and host services run on, roles by name.
        func roles(_ c: ScenarioCluster) -> [String: Int] {
            Dictionary(grouping: c.nodeNames, by: ScenarioCluster.role(ofNode:)).mapValues(\.count)
        }
        try #require(big.nodeNames.count != small.nodeNames.count)
        for snapshot in try store.snapshots() {
            let cluster = snapshot.cluster == big.name ? big : small
            #expect(snapshot.nodes == NodeCount(count: cluster.nodeNames.count, roles: roles(cluster), source: "kube_node_info"))
        }
        let differ = try json(["compare", "4.14.12", "4.15.0", "--format", "json", "--output", "-"], config: config)
        let dq = try #require(differ["data_quality"] as? [String: Any])
        #expect(dq["node_counts_differ"] as? Bool == true)
        let side = try #require(differ["b"] as? [String: Any])
        let nodes = try #require((side["nodes"] as? [[String: Any]])?.first)
        #expect(nodes["cluster"] as? String == "ord-ocp-1" && nodes["count"] as? Int == small.nodeNames.count)
        let markdown = try runFedreport(["compare", "4.14.12", "4.15.0", "--format", "md", "--output", "-", "--config", config])
        #expect(markdown.stdout.contains("ran on different numbers of nodes"), "\(markdown.stdout.prefix(2000))")
        #expect(markdown.stdout.contains("ord-ocp-1 (\(small.nodeNames.count) node"))
        // --per-node: kubelet runs on every node (per_node in the shipped map), 0.2 cores each in
        // the generator, so both sides read 0.2 cores per node however many nodes they have;
        // the node category stays whole.
        let perNode = try json(["compare", "4.14.12", "4.15.0", "--per-node", "--format", "json", "--output", "-"], config: config)
        let rows = try #require(perNode["components"] as? [[String: Any]])
        let kubelet = try #require(rows.first { $0["component"] as? String == "kubelet" && $0["resource"] as? String == "cpu" })
        for side in ["a", "b"] {
            let mean = try #require((kubelet[side] as? [String: Any])?["mean"] as? Double)
            #expect(abs(mean - 0.2) < 1e-9, "\(side) kubelet per node \(mean)")
        }
        #expect((kubelet["notes"] as? [String])?.contains("per node: divided by each snapshot's node count") == true)
        let whole = try #require(
            (differ["components"] as? [[String: Any]])?.first {
                $0["component"] as? String == "kubelet" && $0["resource"] as? String == "cpu"
            })
        let wholeB = try #require((whole["b"] as? [String: Any])?["mean"] as? Double)
        #expect(abs(wholeB - 0.2 * Double(small.nodeNames.count)) < 1e-9)
        // CSV: every side row carries its clusters' node count in the `nodes` column.
        let csv = try runFedreport(["compare", "4.14.12", "4.15.0", "--format", "csv", "--output", "-", "--config", config])
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let nodesColumn = try #require(lines.first?.split(separator: ",").firstIndex(of: "nodes"))
        let totalB = try #require(lines.first { $0.hasPrefix("total,,,cpu,cores,b,") })
        #expect(totalB.split(separator: ",", omittingEmptySubsequences: false)[nodesColumn] == "\(small.nodeNames.count)")
        let same = try json(["compare", "4.14.12", OrderScenario.nightly, "--format", "json", "--output", "-"], config: config)
        #expect((same["data_quality"] as? [String: Any])?["node_counts_differ"] as? Bool == false)
    }
}
