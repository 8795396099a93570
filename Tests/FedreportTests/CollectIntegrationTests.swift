import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// One collect run over the scenario, shared by the tests below.
actor CollectedDatabase {
    static let shared = CollectedDatabase()
    private var cached: (url: String, folder: String, config: String, first: RunResult)?

    func get() async throws -> (url: String, folder: String, config: String, first: RunResult) {
        if let cached { return cached }
        let server = try await TestBed.prometheus(for: CollectScenario.scenario, name: "collect")
        let folder = try temporaryFolder("collect")
        let config = try writeConfig(in: folder, url: server.url)
        let w = CollectScenario.window
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        cached = (server.url, folder, config, result)
        return cached!
    }
}

@Suite("Collect against a real Prometheus", .serialized, .enabled(if: TestBed.shouldRun))
struct CollectIntegrationTests {
    let s = CollectScenario.scenario

    func store() async throws -> (SnapshotStore, String) {
        let (url, folder, _, first) = try await CollectedDatabase.shared.get()
        #expect(first.status == 0, "collect failed: \(first.stderr)")
        return (try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true), url)
    }

    @Test("collect stores one snapshot per cluster and build, splitting the upgrade")
    func snapshotsPerBuild() async throws {
        let (store, _) = try await store()
        let snapshots = try store.snapshots()
        let pairs = Set(snapshots.map { "\($0.cluster) \($0.build)" })
        #expect(
            pairs == [
                "it-ocp-0 4.6.1", "it-ocp-0 4.6.8", "it-ocp-1 4.6.16", "it-ocp-2 4.6.1", "it-ocp-2 4.6.8",
                "it-k3s-0 v1.26.5+k3s1",
            ])
        #expect(snapshots.allSatisfy { !$0.partial })
        #expect(snapshots.allSatisfy { $0.step == 30_000 })
    }

    /// `PromQL` over the collected window at the collect step, as (timestamp, value) pairs.
    func ask(_ url: String, _ promql: String) throws -> [(TimestampMs, Double)] {
        try promRange(url, promql, start: CollectScenario.window.lowerBound, end: CollectScenario.window.upperBound, step: 30_000)
            .first?.values ?? []
    }

    @Test("an upgrade belongs to no build while cluster_version says updating; the settle period runs from its end")
    func upgradeThroughUpdating() async throws {
        let (store, url) = try await store()
        let before = try #require(try store.snapshots(SnapshotFilter(build: "4.6.1", clusters: ["it-ocp-0"])).first)
        let after = try #require(try store.snapshots(SnapshotFilter(build: "4.6.8", clusters: ["it-ocp-0"])).first)
        // Ask Prometheus where the operator said "updating" and where one completed version
        // stood alone. Backfilled data has no staleness markers, so a bare selector would see
        // each series for 5 minutes after its last sample; a sample counts for one scrape
        // interval (`last_over_time(…[29s999ms])`), as in fedreport's queries.
        let updating = try ask(url, #"count(last_over_time(cluster_version{cluster="it-ocp-0", type="updating"}[29s999ms]))"#).map(\.0)
        let completed = try ask(
            url, #"count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-0", type="completed"}[29s999ms])))"#)
        let firstUpdating = try #require(updating.first)
        let lastUpdating = try #require(updating.last)
        #expect(firstUpdating == CollectScenario.upgrade)
        let firstAfter = try #require(completed.first { $0.0 > lastUpdating && $0.1 == 1 }).0
        #expect(before.end == firstUpdating - 30_000)
        #expect(after.start == firstAfter + 15 * 60_000)
        #expect(after.leftOut.upgrading == updating.count)
        #expect(after.leftOut.settling == 30)  // 15 min / 30 s
        // Two completed versions at once would count as upgrading, not as two versions; with
        // each sample counting one scrape interval the operator's flip leaves none.
        let doubled = completed.filter { $0.1 == 2 }.map(\.0)
        #expect(doubled.allSatisfy { updating.contains($0) })
        #expect(before.leftOut.multipleVersions + after.leftOut.multipleVersions == 0)
        #expect(after.end == CollectScenario.window.upperBound)
        // Counting from the flip of type="current" would have started 4.6.8 40 minutes earlier.
        #expect(after.start >= CollectScenario.upgrade + 55 * 60_000)
        #expect(!after.warnings.contains { $0.contains("type=\"current\"") })
    }

    @Test("where the querier has only cluster_version{type=\"current\"}, builds follow it and every snapshot says so")
    func currentOnlyFallback() async throws {
        let (store, url) = try await store()
        let before = try #require(try store.snapshots(SnapshotFilter(build: "4.6.1", clusters: ["it-ocp-2"])).first)
        let after = try #require(try store.snapshots(SnapshotFilter(build: "4.6.8", clusters: ["it-ocp-2"])).first)
        let counts = try ask(
            url, #"count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-2", type="current"}[29s999ms])))"#)
        let doubled = counts.filter { $0.1 == 2 }.map(\.0)
        let firstSingleAfter = try #require(counts.first { $0.0 >= CollectScenario.upgrade && $0.1 == 1 }).0
        #expect(before.end == (doubled.first ?? firstSingleAfter) - 30_000)
        #expect(after.start == firstSingleAfter + 15 * 60_000)
        #expect(after.leftOut.upgrading == 0)
        #expect(after.leftOut.settling == 30)
        #expect(before.leftOut.multipleVersions + after.leftOut.multipleVersions == doubled.count)
        for snapshot in [before, after] {
            #expect(snapshot.warnings.contains { $0.contains("only cluster_version{type=\"current\"}") }, "\(snapshot.warnings)")
            #expect(!snapshot.partial)
        }
        // The collect run said so on stderr too.
        let (_, _, _, first) = try await CollectedDatabase.shared.get()
        #expect(first.stderr.contains("it-ocp-2") && first.stderr.contains("type=\"current\""))
    }

    /// The scenario's containers that the shipped OpenShift map puts in `component`.
    func containers(of component: String, in cluster: ScenarioCluster) throws -> [ScenarioContainer] {
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        return cluster.workloads.filter {
            map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])).name == component
        }
    }

    /// Memory per component, from the generator's known inputs, over the snapshot's timestamps.
    func expectedMemory(_ members: [ScenarioContainer], in cluster: ScenarioCluster, grid: TimeGrid) -> [Double] {
        (0..<grid.count).map { i in
            let t = grid.timestamp(at: i)
            return members.compactMap { cluster.memorySample(of: $0, at: t) }.reduce(0, +)
        }
    }

    @Test("component means and p95s match the generator and PromQL to 0.1 %", arguments: ["4.6.1", "4.6.8"])
    func componentFigures(build: String) async throws {
        let (store, url) = try await store()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: build, clusters: ["it-ocp-0"])).first)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let cluster = try #require(s.cluster(named: "it-ocp-0"))
        for (component, namespace) in [("etcd", "openshift-etcd"), ("monitoring", "openshift-monitoring")] {
            let members = try containers(of: component, in: cluster)
            #expect(!members.isEmpty)
            // Memory: exact per timestamp from the generator (HA replicas count once).
            let memory = try #require(series.first { $0.component.name == component && $0.resource == .memory })
            let expected = expectedMemory(members, in: cluster, grid: snapshot.grid)
            let got = try #require(Summary(of: memory.values, expected: snapshot.includedTimestamps))
            let want = try #require(Summary(of: expected, expected: expected.count))
            #expect(abs(got.mean / want.mean - 1) < 1e-9, "\(component) memory mean")
            #expect(got.coverage == 1)
            // p95 as Prometheus computes it over the same timestamps.
            let span = Int64(snapshot.grid.count) * 30_000 - 1000
            let pods = Set(members.map(\.pod)).sorted().joined(separator: "|")
            let selector =
                #"container_memory_working_set_bytes{cluster="it-ocp-0", namespace="\#(namespace)", pod=~"\#(pods)", container!="", container!="POD"}"#
            let promP95 = try #require(
                try promScalar(
                    url, "quantile_over_time(0.95, (sum(max without (prometheus_replica) (\(selector))))[\(span / 1000)s:30s])",
                    at: snapshot.end))
            #expect(abs(got.p95 / promP95 - 1) < 0.001, "\(component) memory p95 \(got.p95) vs \(promP95)")
            // CPU: constant per build in the generator, so rate() gives exactly its sum.
            let cpu = try #require(series.first { $0.component.name == component && $0.resource == .cpu })
            let cpuWant = members.compactMap { $0.usage[build]?.cpuCores }.reduce(0, +)
            let cpuGot = try #require(Summary(of: cpu.values, expected: snapshot.includedTimestamps))
            #expect(abs(cpuGot.mean / cpuWant - 1) < 0.001, "\(component) cpu mean \(cpuGot.mean) vs \(cpuWant)")
            #expect(abs(cpuGot.p95 / cpuWant - 1) < 0.001)
        }
    }

    @Test("no double counting: the platform total is the sum of real containers and host services")
    func noDoubleCounting() async throws {
        let (store, _) = try await store()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.8", clusters: ["it-ocp-0"])).first)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let total = sumWhereAllPresent(series, resource: .cpu, count: snapshot.grid.count)
        let got = try #require(Summary(of: total, expected: snapshot.includedTimestamps)).mean
        let cluster = try #require(s.cluster(named: "it-ocp-0"))
        let want =
            cluster.workloads.compactMap { $0.usage["4.6.8"]?.cpuCores }.reduce(0, +)
            + cluster.hostServices.compactMap { $0.usage["4.6.8"]?.cpuCores }.reduce(0, +)
        #expect(abs(got / want - 1) < 0.001, "total \(got) vs \(want)")
    }

    @Test("NaN samples are left out and counted; version trouble is left out and counted; a gap lowers coverage")
    func dataQuality() async throws {
        let (store, url) = try await store()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.16")).first)
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        // Every memory series the queries select is NaN at those two scrapes: containers and the
        // kubelet and CRI-O host services (pause, pod totals and roll-ups are not selected); and
        // the faulty container at each scrape of its NaN range.
        let memberScrapes = s.scrapeTimestamps.filter { CollectScenario.memberNaN.contains($0) }.count
        let expectedNaN = CollectScenario.nanTimes.count * (cluster.workloads.count + cluster.hostServices.count) + memberScrapes
        #expect(snapshot.leftOut.nonFiniteSamples == expectedNaN)
        // The version series is missing for 5 minutes and doubled for 2; ask Prometheus how
        // many timestamps that left without exactly one version, each sample counting one
        // scrape interval as in fedreport's queries.
        let counts = try promRange(
            url, #"count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="completed"}[29s999ms])))"#,
            start: snapshot.start, end: snapshot.end, step: 30_000)
        let present = Dictionary(uniqueKeysWithValues: (counts.first?.values ?? []).map { ($0.0, $0.1) })
        let grid = snapshot.grid
        let missing = (0..<grid.count).filter { present[grid.timestamp(at: $0)] == nil }.count
        let doubled = (0..<grid.count).filter { present[grid.timestamp(at: $0)] == 2 }.count
        #expect(missing > 0 && doubled > 0)
        #expect(snapshot.leftOut.noVersion == missing)
        #expect(snapshot.leftOut.multipleVersions == doubled)
        #expect(snapshot.includedTimestamps == grid.count - missing - doubled)
        // Coverage of the memory total: the timestamps where Prometheus has a finite value.
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let total = sumWhereAllPresent(series, resource: .memory, count: grid.count)
        let coverage = try #require(Summary(of: total, expected: snapshot.includedTimestamps)).coverage
        let promTotal = try promRange(
            url,
            #"sum(last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD"}[29s999ms])) and on() (count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="completed"}[29s999ms]))) == 1)"#,
            start: snapshot.start, end: snapshot.end, step: 30_000)
        let finite = (promTotal.first?.values ?? []).filter { $0.1.isFinite }.count
        #expect(coverage < 1)
        #expect(abs(coverage - Double(finite) / Double(snapshot.includedTimestamps)) < 1e-9, "coverage \(coverage)")
    }

    @Test("collecting the same window again replaces instead of duplicating")
    func rerun() async throws {
        let (_, folder, config, _) = try await CollectedDatabase.shared.get()
        let before = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots()
        let w = CollectScenario.window
        let again = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)", "--cluster", "it-k3s-0",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("replaced"))
        let after = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots()
        #expect(after.count == before.count)
        #expect(Set(after.map(\.cluster)) == Set(before.map(\.cluster)))
    }

    @Test("a killed collect leaves the database as it was")
    func killed() async throws {
        let (url, _, _, _) = try await CollectedDatabase.shared.get()
        let folder = try temporaryFolder("killed")
        let config = try writeConfig(in: folder, url: url)
        let w = CollectScenario.window
        let args = ["collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)"]
        // A first complete run, then a run killed at several points.
        let first = try runFedreport(args + ["--cluster", "it-k3s-0"])
        #expect(first.status == 0, "\(first.stderr)")
        let database = "\(folder)/fedreport.sqlite"
        let baseline = try SnapshotStore(path: database, readOnly: true).snapshots()
        for delay in [0.05, 0.3, 0.8] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: fedreportBinary)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let now = try SnapshotStore(path: database, readOnly: true).snapshots()
            // Either the run had not committed (database as before) or it had committed whole.
            #expect(now == baseline || Set(now.map(\.cluster)) == ["it-ocp-0", "it-ocp-1", "it-ocp-2", "it-k3s-0"])
        }
    }

    @Test("components shows where each namespace and host service lands")
    func components() async throws {
        let (_, _, config, _) = try await CollectedDatabase.shared.get()
        let w = CollectScenario.window
        let result = try runFedreport([
            "components", "--config", config, "--cluster", "it-ocp-1", "--start", "\(w.lowerBound / 1000)", "--end",
            "\(w.upperBound / 1000)",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        // By hand from queries/components/ocp.yaml.
        #expect(rows.contains { $0.starts(with: ["kubelet.service", "kubelet", "node"]) })
        #expect(rows.contains { $0.starts(with: ["crio.service", "crio", "node"]) })
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        if cluster.workloads.contains(where: { $0.namespace == "openshift-etcd" }) {
            #expect(rows.contains { $0.starts(with: ["openshift-etcd", "etcd", "control-plane"]) })
        }
        // Every namespace of the scenario is listed.
        for namespace in Set(cluster.workloads.map(\.namespace)) {
            #expect(rows.contains { $0.first == namespace }, "\(namespace)")
        }
    }

    @Test("a second collect while one runs exits at once with a clear message")
    func lock() async throws {
        let (url, _, _, _) = try await CollectedDatabase.shared.get()
        let folder = try temporaryFolder("lock")
        let config = try writeConfig(in: folder, url: url)
        let held = try CollectLock.acquire(databasePath: "\(folder)/fedreport.sqlite", wait: false)
        defer { held.release() }
        let w = CollectScenario.window
        let started = Date()
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(getpid())"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/fedreport.sqlite"))
    }

    @Test(
        "drill-down: each container's statistics, as the generator wrote them (NaN on one replica filled by the other), listed by the snapshots command",
        arguments: ["4.6.1", "4.6.8"])
    func drillDown(build: String) async throws {
        let (store, _) = try await store()
        let (_, _, config, _) = try await CollectedDatabase.shared.get()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: build, clusters: ["it-ocp-0"])).first)
        let summaries = try #require(try store.containers(snapshotIDs: [snapshot.id])[snapshot.id])
        let cluster = try #require(s.cluster(named: "it-ocp-0"))
        let etcd = try containers(of: "etcd", in: cluster)
        for c in etcd {
            let got = try #require(
                summaries.first { $0.pod == c.pod && $0.container == c.container && $0.resource == .memory }, "\(c.pod)/\(c.container)")
            let values = (0..<snapshot.grid.count).compactMap { cluster.memorySample(of: c, at: snapshot.grid.timestamp(at: $0)) }
            let want = try #require(Summary(of: values, expected: values.count))
            #expect(got.summary.samples == snapshot.grid.count)
            #expect(got.summary.mean == want.mean)
            #expect(got.summary.max == want.max)
            #expect(got.component == "etcd")
        }
        let listed = try runFedreport([
            "snapshots", "--config", config, "--containers", "\(snapshot.id)", "--component", "etcd", "--format", "json",
        ])
        #expect(listed.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(json.count == etcd.count * 2)  // CPU and memory per container
    }

    @Test("the query set a snapshot was measured with is stored and shown by its hash")
    func querySetProvenance() async throws {
        let (store, _) = try await store()
        let (_, _, config, _) = try await CollectedDatabase.shared.get()
        let snapshot = try #require(try store.snapshots().first)
        let shipped = try QuerySet.load(folder: "\(repositoryRoot)/queries")
        #expect(snapshot.querySetHash == shipped.hash)
        let shown = try runFedreport(["snapshots", "--config", config, "--query-set", String(snapshot.querySetHash.prefix(12))])
        #expect(shown.status == 0, "\(shown.stderr)")
        for query in shipped.queries { #expect(shown.stdout.contains(query.promql), "\(query.name)") }
    }
}
