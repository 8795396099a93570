import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

// A scenario like that of "Collect against a real Prometheus" (VMScenario below), imported into a
// real VictoriaMetrics, collected by the real binary, and checked against the generator's inputs
// and against the same collect from Prometheus. Where MetricsQL answers differently from PromQL
// the tests assert the difference as worked out by hand from the rules below; docs/
// victoriametrics.md explains each one with the figures.

/// The query rules of both servers for the scenario's regular 30 s scrapes, written from their
/// sources, so that what each server returns at a timestamp can be worked out from the generator
/// without asking either server.
/// The clusters of the collect suite before its replica and member faults, with OpenShift's
/// versions reported as `cluster_version{type="current"}` only: VictoriaMetrics drops NaN on
/// import, so NaN faults become gaps there, and the timeline rule compared here is the one that
/// follows `current`, whose lookback differs between the two servers.
enum VMScenario {
    static let end = CollectScenario.end
    static let start = CollectScenario.start
    static let upgrade = CollectScenario.upgrade
    static let nanTimes = CollectScenario.nanTimes
    static let gap = CollectScenario.gap
    static let versionMissing = CollectScenario.versionMissing
    static let versionDouble = CollectScenario.versionDouble

    static let scenario: Scenario = {
        var a = Scenarios.ocp(name: "it-ocp-0", builds: [("4.6.1", start), ("4.6.8", upgrade)], maxPods: 60)
        a.haReplicas = true
        a.versionReporting = .currentOnly
        var b = Scenarios.ocp(name: "it-ocp-1", builds: [("4.6.16", start)], maxPods: 12)
        b.nanAt = nanTimes
        b.gaps = [gap]
        b.versionMissing = [versionMissing]
        b.versionDouble = [versionDouble]
        b.versionReporting = .currentOnly
        let k = Scenarios.k3s(name: "it-k3s-0", version: "v1.26.5+k3s1", from: start)
        return Scenario(dataStart: start, dataEnd: end, clusters: [a, b, k])
    }()

    static var window: ClosedRange<TimestampMs> { scenario.collectableWindow }
}

enum QueryModel {
    static let scrape: Int64 = 30_000
    /// fedreport's default `rate_window`.
    static let rateWindow: Int64 = 300_000
    /// VictoriaMetrics' `maxPrevInterval` for a 30 s scrape interval: `getMaxPrevInterval` in
    /// app/vmselect/promql/rollup.go adds a quarter for intervals up to 32 s: 30 s + 7.5 s.
    static let vmMaxPrev: Int64 = 37_500

    /// The stored scrapes of a series: on the grid, inside the data, for which `stored` is true.
    static func stored(in range: ClosedRange<TimestampMs>, _ stored: (TimestampMs) -> Bool) -> [TimestampMs] {
        let s = VMScenario.scenario
        let lo = max(range.lowerBound, s.dataStart)
        let hi = min(range.upperBound, s.dataEnd)
        guard lo <= hi else { return [] }
        let first = (lo + scrape - 1) / scrape * scrape
        return stride(from: first, through: hi, by: Int(scrape)).filter(stored)
    }

    /// What both servers return for `last_over_time(x[29s999ms])`, the query set's sample
    /// window: the stored sample in (t − 30 s, t], which on this grid is the one at t or none.
    static func sampleInstant(at t: TimestampMs, _ isStored: (TimestampMs) -> Bool) -> TimestampMs? {
        stored(in: (t - scrape + 1)...t, isStored).last
    }

    /// What `rate(counter[5m])` returns at `t` for a counter growing linearly at one slope, as a
    /// multiple of that slope; nil when the server returns no point.
    ///
    /// PromQL (`extrapolatedRate` in promql/functions.go): samples in [t − 5 m, t], at least two;
    /// the increase between the first and last is extrapolated to each end of the window by the
    /// distance to it when that is below 1.1 × the average interval, else by half an interval.
    /// (The clamp at the counter's zero point never applies: the generator starts counters far
    /// above zero.)
    static func promRate(at t: TimestampMs, _ isStored: (TimestampMs) -> Bool) -> Double? {
        let samples = stored(in: (t - rateWindow)...t, isStored)
        guard samples.count >= 2, let first = samples.first, let last = samples.last else { return nil }
        let sampled = Double(last - first)
        let average = sampled / Double(samples.count - 1)
        let toStart = Double(first - (t - rateWindow))
        let toEnd = Double(t - last)
        var span = sampled
        span += toStart < 1.1 * average ? toStart : average / 2
        span += toEnd < 1.1 * average ? toEnd : average / 2
        return span / Double(rateWindow)
    }

    /// MetricsQL (`rollupDerivFast` with the previous sample, rollup.go): samples in
    /// (t − 5 m, t] plus the last sample before the window when it lies within maxPrevInterval
    /// of the window's start. With that previous sample: no sample inside gives 0 ("the value did
    /// not change"), else (last − previous) / their distance, the slope itself. Without it, two
    /// samples inside are needed. No extrapolation.
    static func vmRate(at t: TimestampMs, _ isStored: (TimestampMs) -> Bool) -> Double? {
        let inside = stored(in: (t - rateWindow + 1)...t, isStored)
        let previous = stored(in: (t - rateWindow - vmMaxPrev + 1)...(t - rateWindow), isStored).last
        if previous != nil { return inside.isEmpty ? 0 : 1 }
        return inside.count >= 2 ? 1 : nil
    }
}

/// One collect of CollectScenario from VictoriaMetrics and one from Prometheus, each into its own
/// database, shared by the tests below.
actor VictoriaMetricsRuns {
    static let shared = VictoriaMetricsRuns()

    struct Run: Sendable {
        var url: String
        var folder: String
        var status: Int32
        var stderr: String
        var database: String { "\(folder)/fedreport.sqlite" }
    }

    private var runs: [String: Run] = [:]
    private(set) var importSummary: VictoriaMetricsServer.ImportSummary?
    private var vmServer: VictoriaMetricsServer?

    func vm() async throws -> Run {
        if let run = runs["vm"] { return run }
        let started = Date()
        let server = try await VictoriaMetricsServer.shared(for: VMScenario.scenario, name: "vm-collect")
        vmServer = server
        let run = try collect(url: server.url, name: "vm")
        // Figures for the log: the brief asks for an import of seconds.
        print("VictoriaMetrics: start, import and collect took \(Int(Date().timeIntervalSince(started))) s")
        runs["vm"] = run
        return run
    }

    func prometheus() async throws -> Run {
        if let run = runs["prometheus"] { return run }
        let server = try await TestBed.prometheus(for: VMScenario.scenario, name: "vm-collect")
        let run = try collect(url: server.url, name: "prometheus")
        runs["prometheus"] = run
        return run
    }

    private func collect(url: String, name: String) throws -> Run {
        let folder = try temporaryFolder("vm-suite-\(name)")
        let config = try writeConfig(in: folder, url: url)
        let w = VMScenario.window
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        return Run(url: url, folder: folder, status: result.status, stderr: result.stderr)
    }
}

@Suite("Against VictoriaMetrics", .serialized, .enabled(if: VictoriaMetricsServer.shouldRun))
struct VictoriaMetricsTests {
    let s = VMScenario.scenario

    func vm() async throws -> (SnapshotStore, String) {
        let run = try await VictoriaMetricsRuns.shared.vm()
        #expect(run.status == 0, "collect from VictoriaMetrics failed: \(run.stderr)")
        return (try SnapshotStore(path: run.database, readOnly: true), run.url)
    }

    func prometheus() async throws -> (SnapshotStore, String) {
        let run = try await VictoriaMetricsRuns.shared.prometheus()
        #expect(run.status == 0, "collect from Prometheus failed: \(run.stderr)")
        return (try SnapshotStore(path: run.database, readOnly: true), run.url)
    }

    /// The scenario's containers and host services that the shipped OpenShift map and queries put
    /// in `component`, as the CPU each uses in `build` (nil: not running).
    func members(
        of component: String, in cluster: ScenarioCluster
    ) throws -> (containers: [ScenarioContainer], services: [ScenarioHostService]) {
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        let containers = cluster.workloads.filter {
            map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])).name == component
        }
        // queries/host-*-ocp.yaml select these units only.
        let selected = ["kubelet.service", "crio.service", "ovs-vswitchd.service", "ovsdb-server.service"]
        let services = cluster.hostServices.filter {
            selected.contains($0.unit) && map.classify(LabelSet(["id": "/system.slice/\($0.unit)"])).name == component
        }
        return (containers, services)
    }

    func cpuSlope(of component: String, in cluster: ScenarioCluster, build: String) throws -> Double {
        let (containers, services) = try members(of: component, in: cluster)
        return containers.compactMap { $0.usage[build]?.cpuCores }.reduce(0, +)
            + services.compactMap { $0.usage[build]?.cpuCores }.reduce(0, +)
    }

    /// The timestamps of `snapshot` at which `url` sees exactly one version of the cluster, asked
    /// of that server with the query fedreport's build timeline is built from.
    func singleVersion(_ url: String, cluster: String, snapshot: SnapshotRecord) throws -> Set<TimestampMs> {
        let counts = try promRange(
            url, #"count(max by (version) (last_over_time(cluster_version{cluster="\#(cluster)", type="current"}[29s999ms])))"#,
            start: snapshot.start, end: snapshot.end, step: 30_000)
        return Set((counts.first?.values ?? []).filter { $0.1 == 1 }.map(\.0))
    }

    @Test("the import sends every generated sample; VictoriaMetrics stores all but the NaN ones")
    func importStoresSamples() async throws {
        let (_, url) = try await vm()
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        // By hand: every real container of it-ocp-1 runs the whole 3 h; the gap removes 41 scrapes
        // (120…140 min, both ends), and the two NaN scrapes are dropped by VictoriaMetrics on
        // ingestion (it keeps only Prometheus staleness markers among NaNs).
        let scrapes = Array(s.scrapeTimestamps)
        let inGap = scrapes.filter { VMScenario.gap.contains($0) }.count
        #expect(inGap == 41)
        let perSeries = scrapes.count - inGap - VMScenario.nanTimes.count
        let stored = try #require(
            try promScalar(
                url,
                #"sum(count_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD", pod!=""}[4h]))"#,
                at: s.dataEnd))
        #expect(Int(stored) == perSeries * cluster.workloads.count)
        // CPU counters have no NaN: all scrapes outside the gap are there.
        let cpu = try #require(
            try promScalar(
                url,
                #"sum(count_over_time(container_cpu_usage_seconds_total{cluster="it-ocp-1", container!="", container!="POD", pod!=""}[4h]))"#,
                at: s.dataEnd))
        #expect(Int(cpu) == (scrapes.count - inGap) * cluster.workloads.count)
    }

    @Test("collect stores one snapshot per cluster and build, the same ones as from Prometheus")
    func snapshotsPerBuild() async throws {
        let (store, _) = try await vm()
        let snapshots = try store.snapshots()
        let pairs = Set(snapshots.map { "\($0.cluster) \($0.build)" })
        #expect(pairs == ["it-ocp-0 4.6.1", "it-ocp-0 4.6.8", "it-ocp-1 4.6.16", "it-k3s-0 v1.26.5+k3s1"])
        #expect(snapshots.allSatisfy { !$0.partial })
        // OpenShift snapshots carry only the note that builds follow type="current".
        #expect(snapshots.allSatisfy { $0.warnings.allSatisfy { $0.contains(#"only cluster_version{type="current"}"#) } })
        #expect(snapshots.filter { $0.distribution == "ocp" }.allSatisfy { $0.warnings.count == 1 })
        #expect(snapshots.allSatisfy { $0.step == 30_000 })
        let (promStore, _) = try await prometheus()
        #expect(Set(try promStore.snapshots().map { "\($0.cluster) \($0.build)" }) == pairs)
    }

    @Test("the settle period after the upgrade is left out; on neither server does the old version linger")
    func settle() async throws {
        let (store, url) = try await vm()
        let after = try #require(try store.snapshots(SnapshotFilter(build: "4.6.8")).first)
        let before = try #require(try store.snapshots(SnapshotFilter(build: "4.6.1")).first)
        let upgrade = VMScenario.upgrade
        // By hand: 4.6.1's last sample is at upgrade − 30 s. A sample counts for one scrape
        // interval (the query set's sample window), so at the upgrade instant only 4.6.8 is
        // seen: no timestamp has two versions (a bare selector would have seen both for
        // MetricsQL's 37.5 s and Prometheus's 5-minute lookback), and the settle period starts
        // at the upgrade itself.
        #expect(before.end == upgrade - 30_000)
        #expect(after.leftOut.multipleVersions == 0)
        #expect(before.leftOut.multipleVersions == 0)
        #expect(after.start == upgrade + 15 * 60_000)
        #expect(after.leftOut.settling == 30)
        #expect(after.end == VMScenario.window.upperBound)
        // The same from VictoriaMetrics' own answer, as the Prometheus suite derives it.
        let counts = try promRange(
            url, #"count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-0", type="current"}[29s999ms])))"#,
            start: VMScenario.window.lowerBound, end: VMScenario.window.upperBound, step: 30_000)
        let points = try #require(counts.first).values
        #expect(!points.isEmpty && points.allSatisfy { $0.1 == 1 })
        // Prometheus agrees now that neither server's lookback decides.
        let (promStore, _) = try await prometheus()
        let promAfter = try #require(try promStore.snapshots(SnapshotFilter(build: "4.6.8")).first)
        #expect(promAfter.leftOut.multipleVersions == 0)
        #expect(promAfter.start == after.start)
    }

    @Test("memory matches the generator exactly and CPU to 1e-9, HA replicas counted once", arguments: ["4.6.1", "4.6.8"])
    func componentFigures(build: String) async throws {
        let (store, url) = try await vm()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: build)).first)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let cluster = try #require(s.cluster(named: "it-ocp-0"))
        let grid = snapshot.grid
        #expect(snapshot.includedTimestamps == grid.count)
        var checked = 0
        for component in Set(series.map(\.component.name)).sorted() where component != "other" {
            let (containers, services) = try members(of: component, in: cluster)
            guard !(containers.isEmpty && services.isEmpty) else { continue }
            // Memory is a gauge: at every timestamp the sum of one replica's generated samples.
            let memory = try #require(series.first { $0.component.name == component && $0.resource == .memory })
            let expected = (0..<grid.count).map { i -> Double in
                let t = grid.timestamp(at: i)
                return containers.compactMap { cluster.memorySample(of: $0, at: t) }.reduce(0, +)
                    + services.compactMap { svc in cluster.memoryBytes(of: svc, at: t) }.reduce(0, +)
            }
            // Integer byte counts below 2^53: the sums are exact, so equality is the test.
            #expect(memory.values == expected, "\(component) memory per timestamp")
            let got = try #require(Summary(of: memory.values, expected: snapshot.includedTimestamps))
            let want = try #require(Summary(of: expected, expected: expected.count))
            #expect(got.mean == want.mean && got.p95 == want.p95, "\(component) memory mean/p95")
            // A linear counter: MetricsQL's rate is (last − previous) / distance, the slope itself.
            let cpu = try #require(series.first { $0.component.name == component && $0.resource == .cpu })
            let slope = try cpuSlope(of: component, in: cluster, build: build)
            let cpuGot = try #require(Summary(of: cpu.values, expected: snapshot.includedTimestamps))
            #expect(abs(cpuGot.mean / slope - 1) < 1e-9, "\(component) cpu mean \(cpuGot.mean) vs \(slope)")
            #expect(cpuGot.coverage == 1)
            checked += 1
        }
        #expect(checked >= 20)
        // VictoriaMetrics did not merge the replicas (no -dedup.minScrapeInterval): fedreport did.
        let etcd = try members(of: "etcd", in: cluster).containers
        let replicas = try #require(
            try promScalar(
                url,
                #"count(container_memory_working_set_bytes{cluster="it-ocp-0", namespace="openshift-etcd", container!="", container!="POD"})"#,
                at: snapshot.end))
        #expect(Int(replicas) == 2 * etcd.filter { $0.usage[build] != nil }.count)
    }

    @Test("NaN is dropped on import, a gap lowers coverage, version trouble is counted, as worked out by hand")
    func dataQuality() async throws {
        let (store, url) = try await vm()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.16")).first)
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        let grid = snapshot.grid
        // VictoriaMetrics never stored the NaN samples, so fedreport has none to count; at those
        // scrapes the sample window holds no sample, so the members have no value there.
        #expect(snapshot.leftOut.nonFiniteSamples == 0)
        // Version missing 30…35 min (11 scrapes): with each sample counting one scrape interval,
        // 11 timestamps have none (a bare selector: 10 on MetricsQL, 1 on Prometheus). Doubled
        // 50…52 min (5 scrapes): 5 (bare: 6 and 15).
        #expect(snapshot.leftOut.noVersion == 11)
        #expect(snapshot.leftOut.multipleVersions == 5)
        let included = try singleVersion(url, cluster: "it-ocp-1", snapshot: snapshot)
        #expect(included.count == snapshot.includedTimestamps)
        #expect(snapshot.includedTimestamps == grid.count - 16)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        // Memory per component at every included timestamp, by MetricsQL's rule over the samples
        // VictoriaMetrics holds (none in the gap, none at the NaN scrapes).
        let nan = Set(VMScenario.nanTimes)
        let memoryStored: (TimestampMs) -> Bool = { !cluster.isInGap($0) && !nan.contains($0) }
        var present = 0
        for i in 0..<grid.count where included.contains(grid.timestamp(at: i)) {
            if QueryModel.sampleInstant(at: grid.timestamp(at: i), memoryStored) != nil { present += 1 }
        }
        // The included timestamps less the gap's 41 scrapes and the 2 NaN scrapes, none of which
        // has a stored sample.
        #expect(present == snapshot.includedTimestamps - 43)
        var checkedComponents: [String] = []
        for component in ["etcd", "kubelet", "crio", "openshift-apiserver"] {
            let (containers, services) = try members(of: component, in: cluster)
            guard !(containers.isEmpty && services.isEmpty) else { continue }
            checkedComponents.append(component)
            let memory = try #require(series.first { $0.component.name == component && $0.resource == .memory })
            for i in 0..<grid.count where included.contains(grid.timestamp(at: i)) {
                let t = grid.timestamp(at: i)
                guard let source = QueryModel.sampleInstant(at: t, memoryStored) else {
                    #expect(memory.values[i].isNaN, "\(component) memory at \(t) should be absent")
                    continue
                }
                let want =
                    containers.compactMap { cluster.memoryBytes(of: $0, at: source) }.reduce(0, +)
                    + services.compactMap { cluster.memoryBytes(of: $0, at: source) }.reduce(0, +)
                #expect(memory.values[i] == want, "\(component) memory at \(t)")
            }
            let coverage = try #require(Summary(of: memory.values, expected: snapshot.includedTimestamps)).coverage
            #expect(abs(coverage - Double(present) / Double(snapshot.includedTimestamps)) < 1e-12)
        }
        #expect(checkedComponents.contains("kubelet") && checkedComponents.contains("crio"))
        // The memory total's coverage, asked of VictoriaMetrics itself as the Prometheus suite does.
        let total = sumWhereAllPresent(series, resource: .memory, count: grid.count)
        let coverage = try #require(Summary(of: total, expected: snapshot.includedTimestamps)).coverage
        let vmTotal = try promRange(
            url,
            #"sum(last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD"}[29s999ms])) and on() (count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="current"}[29s999ms]))) == 1)"#,
            start: snapshot.start, end: snapshot.end, step: 30_000)
        let finite = (vmTotal.first?.values ?? []).filter { $0.1.isFinite }.count
        #expect(coverage < 1)
        #expect(abs(coverage - Double(finite) / Double(snapshot.includedTimestamps)) < 1e-9, "coverage \(coverage)")
        #expect(finite == present)
    }

    @Test("CPU around the gap: MetricsQL gives the slope or 0, PromQL extrapolates short; both as worked out by hand")
    func cpuAroundGap() async throws {
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        let stored: (TimestampMs) -> Bool = { !cluster.isInGap($0) }
        for (server, isVM) in [("VictoriaMetrics", true), ("Prometheus", false)] {
            let (store, url): (SnapshotStore, String)
            if isVM { (store, url) = try await vm() } else { (store, url) = try await prometheus() }
            let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.16")).first)
            let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
            let grid = snapshot.grid
            let included = try singleVersion(url, cluster: "it-ocp-1", snapshot: snapshot)
            // A rate counts only where the series has a sample within one scrape interval
            // (`and last_over_time(…[29s999ms])`): never inside the gap.
            let factors = (0..<grid.count).map { i -> Double? in
                let t = grid.timestamp(at: i)
                guard included.contains(t), QueryModel.sampleInstant(at: t, stored) != nil else { return nil }
                return isVM ? QueryModel.vmRate(at: t, stored) : QueryModel.promRate(at: t, stored)
            }
            let points = factors.compactMap { $0 }
            // MetricsQL: the slope itself wherever two samples are in the window, no zeros (its
            // zeros came at windows inside the gap). PromQL: at the 8 windows after the gap that
            // start before its first sample (141…144.5 min) the increase is extrapolated by half
            // an interval only: (t − 140.25 min) / 5 min, 4 slopes lost in all.
            if isVM {
                #expect(points.filter { $0 == 0 }.isEmpty)
                #expect(points.reduce(0, +) == Double(points.count))
            } else {
                #expect(points.filter { $0 < 1 }.count == 8)
                #expect(abs(points.reduce(0, +) - Double(points.count - 4)) < 1e-12)
            }
            var checked = 0
            for component in ["kubelet", "crio", "etcd", "openshift-apiserver", "authentication-operator"] {
                let slope = try cpuSlope(of: component, in: cluster, build: "4.6.16")
                guard slope > 0 else { continue }
                checked += 1
                let cpu = try #require(series.first { $0.component.name == component && $0.resource == .cpu })
                for i in 0..<grid.count where included.contains(grid.timestamp(at: i)) {
                    if let f = factors[i] {
                        #expect(abs(cpu.values[i] - slope * f) <= 1e-9 * slope, "\(server) \(component) cpu at \(grid.timestamp(at: i))")
                    } else {
                        #expect(cpu.values[i].isNaN, "\(server) \(component) cpu at \(grid.timestamp(at: i)) should be absent")
                    }
                }
                let mean = try #require(Summary(of: cpu.values, expected: snapshot.includedTimestamps)).mean
                let want = slope * points.reduce(0, +) / Double(points.count)
                #expect(abs(mean / want - 1) < 1e-9, "\(server) \(component) cpu mean \(mean) vs \(want)")
            }
            #expect(checked >= 3, "\(server): too few components to compare")
        }
    }

    @Test("per component, the two servers agree: memory exactly, CPU to 1e-9 away from gap edges")
    func sameAsPrometheus() async throws {
        let (vmStore, _) = try await vm()
        let (promStore, _) = try await prometheus()
        let gapCluster = try #require(s.cluster(named: "it-ocp-1"))
        var comparedMemory = 0
        var comparedCPU = 0
        for v in try vmStore.snapshots() {
            let p = try #require(try promStore.snapshots(SnapshotFilter(build: v.build, clusters: [v.cluster])).first)
            let vSeries = try #require(try vmStore.componentSeries(snapshotIDs: [v.id])[v.id])
            let pSeries = try #require(try promStore.componentSeries(snapshotIDs: [p.id])[p.id])
            #expect(
                Set(vSeries.map { "\($0.component.name) \($0.resource)" }) == Set(pSeries.map { "\($0.component.name) \($0.resource)" }))
            // The grids may differ (the 4.6.8 snapshot starts earlier from VictoriaMetrics):
            // compare on the timestamps both hold.
            let common = (0..<v.grid.count).compactMap { i -> (Int, Int)? in
                p.grid.index(of: v.grid.timestamp(at: i)).map { (i, $0) }
            }
            #expect(common.count >= 140)
            let sameWindow = v.grid == p.grid && v.cluster != "it-ocp-1"
            for vs in vSeries {
                let ps = try #require(pSeries.first { $0.component == vs.component && $0.resource == vs.resource })
                var pairs: [(Double, Double)] = []
                for (i, j) in common where vs.values[i].isFinite && ps.values[j].isFinite {
                    let t = v.grid.timestamp(at: i)
                    if vs.resource == .cpu, v.cluster == gapCluster.name,
                        QueryModel.promRate(at: t, { !gapCluster.isInGap($0) }) != 1
                    {
                        continue  // a gap edge: checked against the model in cpuAroundGap
                    }
                    pairs.append((vs.values[i], ps.values[j]))
                }
                if vs.resource == .memory {
                    // Where both have a finite value it is the same stored sample.
                    #expect(pairs.allSatisfy { $0.0 == $0.1 }, "\(v.cluster) \(v.build) \(vs.component.name) memory")
                    comparedMemory += 1
                } else {
                    #expect(
                        pairs.allSatisfy { abs($0.0 - $0.1) <= 1e-9 * max(abs($0.1), 1e-12) },
                        "\(v.cluster) \(v.build) \(vs.component.name) cpu")
                    comparedCPU += 1
                }
                if sameWindow {
                    // Same timestamps, no NaN, no gap: the stored figures agree too.
                    let vm = try #require(Summary(of: vs.values, expected: v.includedTimestamps))
                    let prom = try #require(Summary(of: ps.values, expected: p.includedTimestamps))
                    #expect(abs(vm.mean / prom.mean - 1) < 1e-9, "\(v.cluster) \(v.build) \(vs.component.name) \(vs.resource) mean")
                    #expect(vm.coverage == prom.coverage)
                }
            }
        }
        #expect(comparedMemory > 50 && comparedCPU > 50)
    }
}
