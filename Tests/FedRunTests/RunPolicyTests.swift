import FedCore
import FedReports
import FedRun
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// The policies of the runs behind `collect`, `report` and `nightly`, called as a library: no
/// process is spawned; the collector asks a real Prometheus through the fault proxy.
@Suite("Run policies, called directly", .serialized, .enabled(if: TestBed.shouldRun))
struct RunPolicyTests {
    typealias Q = SmallQueries

    /// The context of a run over `bed`'s configuration.
    func context(_ config: String) throws -> RunContext {
        RunContext(configuration: try Configuration.load(path: config), configPath: config, now: TestClock.fixed, logger: silentLogger)
    }

    /// A collect of the small scenario's collectable window.
    var window: CollectRun.Settings {
        CollectRun.Settings(grid: TimeGrid(start: Bed.window.lowerBound, end: Bed.window.upperBound, step: 30_000))
    }

    @Test("a fatal error of the only cluster: nothing stored, no database left behind, outcome error")
    func fatalFirstCluster() async throws {
        let bed = try await Bed.make("run-fatal")
        defer { bed.proxy.stop() }
        bed.proxy.inject(
            .apiError(status: 400, errorType: "bad_data", error: "parse error"), when: .rangeQuery(containing: Q.containerMemory))
        let reporter = RecordingReporter()
        let summary = try CollectRun.run(window, in: try context(bed.config), reporter: reporter)
        #expect(summary.outcome == .error)
        #expect(summary.outcome.exitCode == 1)
        #expect(summary.rows.isEmpty)
        #expect(summary.fatal.map(\.cluster) == [Q.cluster])
        let errors = reporter.texts(.error)
        #expect(errors.count == 1 && errors[0].hasPrefix("\(Q.cluster): ") && errors[0].contains("HTTP 400 (bad_data): parse error"))
        #expect(reporter.texts(.failure) == ["Nothing was stored: the database is as it was before this run."])
        #expect(reporter.storedTables.isEmpty)
        // A first run that stored nothing leaves no database, companion or lock file.
        let left = try FileManager.default.contentsOfDirectory(atPath: bed.folder).filter { $0.hasPrefix("fedreport.sqlite") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("a query that fails after retries: the cluster is stored partial, outcome partial")
    func partialCluster() async throws {
        let bed = try await Bed.make("run-partial")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.html(status: 503, title: "503 Service Unavailable"), when: .rangeQuery(containing: Q.containerMemory))
        let reporter = RecordingReporter()
        let summary = try CollectRun.run(window, in: try context(bed.config), reporter: reporter)
        #expect(summary.outcome == .partial)
        #expect(summary.outcome.exitCode == 5)
        #expect(summary.fatal.isEmpty)
        #expect(summary.rows.map(\.cluster) == [Q.cluster])
        #expect(summary.rows.map(\.partial) == [true])
        #expect(summary.rows.map(\.saved) == [.inserted(id: 1)])
        #expect(reporter.storedTables == [summary.rows])
        #expect(
            reporter.texts(.failure) == [
                "Some snapshots are partial (the querier sent warnings or a query failed after retries); they are marked in every report."
            ])
        let stored = try bed.store().snapshots()
        #expect(stored.count == 1 && stored[0].partial)
    }

    @Test("a fatal error of the second of three clusters: the first is stored whole, the third never started, outcome partial")
    func fatalSecondCluster() async throws {
        let server = try await TestBed.prometheus(for: CollectScenario.scenario, name: "collect")
        let proxy = try FaultProxy(upstream: server.url)
        defer { proxy.stop() }
        let folder = try temporaryFolder("run-fatal-second")
        // One cluster at a time, in the order listed: it-ocp-0, then it-ocp-1, which fails.
        let config = try writeConfig(
            in: folder, url: proxy.url,
            extra: """
                clusters:
                  - {name: it-ocp-0, distribution: ocp}
                  - {name: it-ocp-1, distribution: ocp}
                  - {name: it-ocp-2, distribution: ocp}
                """
        )
        var configuration = try Configuration.load(path: config)
        configuration.querier.maxConcurrency = 1
        proxy.inject(
            .apiError(status: 422, errorType: "execution", error: "too many samples"),
            when: .rangeQuery(containing: #"container_memory_working_set_bytes{ cluster="it-ocp-1", image!="#))
        let w = CollectScenario.window
        let reporter = RecordingReporter()
        let summary = try CollectRun.run(
            CollectRun.Settings(grid: TimeGrid(start: w.lowerBound, end: w.upperBound, step: 30_000)),
            in: RunContext(configuration: configuration, configPath: config, now: TestClock.fixed, logger: silentLogger), reporter: reporter
        )
        #expect(summary.outcome == .partial)
        #expect(summary.planned == ["it-ocp-0", "it-ocp-1", "it-ocp-2"])
        // it-ocp-0 was upgraded from 4.6.1 to 4.6.8 in the window: two snapshots.
        #expect(summary.rows.map { "\($0.cluster) \($0.build)" } == ["it-ocp-0 4.6.1", "it-ocp-0 4.6.8"])
        #expect(summary.fatal.map(\.cluster) == ["it-ocp-1"])
        #expect(
            reporter.texts(.failure) == [
                "The run stopped at that error. Stored the snapshots of it-ocp-0 (see the table); nothing of it-ocp-1, it-ocp-2. "
                    + "Fix the error and collect those clusters again (--cluster)."
            ])
        // it-ocp-2 was never asked for.
        #expect(proxy.requests.allSatisfy { !$0.query.contains(#"cluster="it-ocp-2""#) })
        let stored = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots()
        #expect(Set(stored.map(\.cluster)) == ["it-ocp-0"])
    }

    @Test("nightly checks the report folder before it collects: nothing asked, nothing stored")
    func nightlyOutputFirst() async throws {
        let bed = try await Bed.make("run-nightly-folder")
        defer { bed.proxy.stop() }
        let file = "\(bed.folder)/not-a-folder"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let output = ReportOutput(formats: [.json], folder: "\(file)/reports", templates: try TemplateSet.shipped())
        let report = PeriodicRun.Settings(
            distribution: "ocp", builds: 10, baseline: nil, compare: CompareOptions(), trend: TrendOptions(), output: output,
            failOn: .changePoint)
        #expect(throws: ReportOutputError.notWritable(folder: "\(file)/reports", reason: "'\(file)' is a file, not a folder")) {
            try NightlyRun.run(collect: window, report: report, in: try context(bed.config), reporter: RecordingReporter())
        }
        #expect(bed.proxy.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: bed.database))
    }
}

/// The report policies, over a store filled directly and over fixed report models.
@Suite("Periodic run policies")
struct PeriodicRunTests {
    typealias F = Fixture

    /// A store with 4.6.9 (etcd 0.30 cores) and 4.6.10 (0.42: +40 %) of ocp, and no k3s.
    func store(_ folder: URL) throws -> String {
        let path = folder.appendingPathComponent("fedreport.sqlite").path
        let store = try SnapshotStore(path: path)
        _ = try store.save([
            Fixture.storeInput(cluster: "test-cluster-0", build: "4.6.9", day: 0, etcd: 0.30),
            Fixture.storeInput(cluster: "test-cluster-0", build: "4.6.10", day: 1, etcd: 0.42),
        ])
        try store.close()
        return path
    }

    func settings(folder: String, failOn: FailOn) throws -> PeriodicRun.Settings {
        PeriodicRun.Settings(
            distribution: "ocp", builds: 10, baseline: "k3s", compare: CompareOptions(), trend: TrendOptions(),
            output: ReportOutput(formats: [.json], folder: folder, templates: try TemplateSet.shipped()), failOn: failOn)
    }

    @Test("a baseline that is not stored: the report is written without it, with a warning; --fail-on regression fails on etcd")
    func baselineFallback() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-periodic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var configuration = Configuration()
        configuration.database = try store(dir)
        // acks.yaml beside the configuration acknowledges etcd's CPU in 4.6.10.
        let config = dir.appendingPathComponent("fedreport.yaml").path
        try "- {component: etcd, resource: cpu, build: 4.6.10, reason: accepted, ticket: T-1}\n".write(
            toFile: dir.appendingPathComponent("acks.yaml").path, atomically: true, encoding: .utf8)
        let context = RunContext(configuration: configuration, configPath: config, now: TestClock.fixed, logger: silentLogger)
        let out = dir.appendingPathComponent("out").path
        let reporter = RecordingReporter()
        let summary = try PeriodicRun.run(try settings(folder: out, failOn: .regression), in: context, reporter: reporter)
        #expect(
            reporter.texts(.warning) == [
                "No snapshots of distribution 'k3s' are stored. Known distributions: ocp. The report is written without a baseline."
            ])
        #expect(summary.report.baseline == nil && summary.report.comparison?.baseline == nil)
        #expect(summary.report.builds == ["4.6.9", "4.6.10"])
        // 0.30 → 0.42 cores is +40 % for etcd, its category and the total (etcd is all there is);
        // the memory is the same. The component is acknowledged, the other two are not.
        let c = try #require(summary.report.comparison)
        let rows = c.regressions
        #expect(
            rows.map { "\($0.level.rawValue) \($0.name) \($0.resource.rawValue)" } == [
                "component etcd cpu", "category control-plane cpu", "total platform cpu",
            ])
        #expect(
            reporter.texts(.info).prefix(3) == [
                "regression \(rows[0].id): etcd cpu +40.0 % (4.6.9 → 4.6.10), acknowledged (T-1)",
                "regression \(rows[1].id): category:control-plane cpu +40.0 % (4.6.9 → 4.6.10)",
                "regression \(rows[2].id): total cpu +40.0 % (4.6.9 → 4.6.10)",
            ])
        #expect(reporter.texts(.failure) == ["3 regression(s) in 4.6.10, 1 of them acknowledged in acks.yaml."])
        #expect(summary.outcome == .regression && summary.outcome.exitCode == 3)
        let stamp = Units.fileStamp(TestClock.fixed)
        #expect(summary.written == .files(["\(out)/report-ocp-4.6.10-\(stamp).json"]))
        #expect(FileManager.default.fileExists(atPath: "\(out)/report-ocp-4.6.10-\(stamp).json"))
        // Without --fail-on, the same findings do not fail the run, and the count is no failure.
        let quiet = RecordingReporter()
        let none = try PeriodicRun.run(try settings(folder: "-", failOn: .none), in: context, reporter: quiet)
        #expect(none.outcome == .ok)
        #expect(quiet.texts(.failure).isEmpty)
        #expect(quiet.texts(.info).contains("3 regression(s) in 4.6.10, 1 of them acknowledged in acks.yaml."))
        guard case .stdout(let text) = none.written else {
            Issue.record("--output - hands the report back for stdout")
            return
        }
        #expect(text.hasPrefix("{"))
    }

    @Test("--fail-on regression: an unacknowledged regression of the newest build fails; acknowledged, it does not")
    func failOnRegression() {
        // RenderFixture.periodic: etcd's CPU 0.35 × 1.1 → 0.35 × 1.2 from 4.6.9 to 4.6.10: +9.1 %.
        // The category and the total move by less than 5 %: one regression.
        let report = RenderFixture.periodic
        let regressions = report.comparison?.regressions ?? []
        #expect(regressions.map(\.name) == ["etcd"])
        let failing = RecordingReporter()
        #expect(PeriodicRun.verdict(report, failOn: .regression, reporter: failing) == .regression)
        #expect(failing.texts(.info).first == "regression \(regressions.first?.id ?? ""): etcd cpu +9.1 % (4.6.9 → 4.6.10)")
        #expect(failing.texts(.failure) == ["1 regression(s) in 4.6.10."])
        #expect(PeriodicRun.verdict(report, failOn: .none, reporter: RecordingReporter()) == .ok)
        #expect(PeriodicRun.verdict(report, failOn: .changePoint, reporter: RecordingReporter()) == .ok)
        var acknowledged = report
        var acknowledger = Acknowledger(acks: [
            Ack(target: .component("etcd"), resource: .cpu, build: "4.6.10", reason: "accepted", ticket: "T-2")
        ])
        acknowledger.mark(&acknowledged.comparison!)
        let passing = RecordingReporter()
        #expect(PeriodicRun.verdict(acknowledged, failOn: .regression, reporter: passing) == .ok)
        #expect(passing.texts(.failure).isEmpty)
        #expect(passing.texts(.info).contains("1 regression(s) in 4.6.10, 1 of them acknowledged in acks.yaml."))
    }

    @Test("--fail-on change-point fails on a change the newest build shows first, not once it was shown before")
    func failOnChangePoint() {
        // Twelve nightlies, etcd's CPU 1.3× from the seventh: the twelfth brings nothing new.
        let twelve = RenderFixture.trendPeriodic
        #expect(PeriodicRun.verdict(twelve, failOn: .changePoint, reporter: RecordingReporter()) == .ok)
        // Eleven: the change (etcd, its category and the total) first shows with the eleventh.
        var eleven = twelve
        eleven.builds.removeLast()
        for i in eleven.trends.indices { eleven.trends[i].points.removeLast() }
        eleven.changes = Reporter.trendAnalysis(
            distribution: "ocp", builds: eleven.builds, trends: eleven.trends, options: twelve.changes.options)
        let reporter = RecordingReporter()
        #expect(PeriodicRun.verdict(eleven, failOn: .changePoint, reporter: reporter) == .regression)
        let failures = reporter.texts(.failure)
        let first = RenderFixture.nightlies[6]
        let newest = RenderFixture.nightlies[10]
        #expect(failures.count == 3)
        // 11 − 5 = 6: the last build that leaves five after it, so provisional up to the newest.
        for name in ["etcd cpu", "control-plane cpu", "platform cpu"] {
            #expect(
                failures.contains {
                    $0.contains(" (provisional): \(name) +")
                        && $0.hasSuffix("from \(first) (may move up to \(newest)), shown by \(newest).")
                }, "\(failures)")
        }
        // The same change points, one line each, also when nothing fails.
        let lines = reporter.texts(.info).filter { $0.hasPrefix("change point ") }
        #expect(lines.count == eleven.changes.distinctChangePoints.count)
        #expect(PeriodicRun.verdict(eleven, failOn: .none, reporter: RecordingReporter()) == .ok)
    }
}

/// `--component` and `--resource` of `trend`, and the build order of `builds`.
@Suite("Trend line filter and the build listing")
struct RunSelectionTests {
    @Test("--component and --resource keep the lines of one row; an unknown one is a usage error naming the known")
    func lineFilter() throws {
        let lines = RenderFixture.trendPeriodic.changes.lines
        let etcdCPU = try TrendRun.LineFilter(component: "etcd", resource: .cpu).apply(lines)
        #expect(
            Set(etcdCPU.map { "\($0.level.rawValue) \($0.name) \($0.resource.rawValue) \($0.statistic.rawValue)" }) == [
                "component etcd cpu mean", "component etcd cpu p95",
            ])
        let category = try TrendRun.LineFilter(component: "category:networking").apply(lines)
        #expect(Set(category.map { "\($0.name) \($0.resource.rawValue)" }) == ["networking cpu", "networking memory"])
        let total = try TrendRun.LineFilter(component: "total", resource: .memory).apply(lines)
        #expect(Set(total.map { "\($0.level.rawValue) \($0.resource.rawValue)" }) == ["total memory"])
        #expect(try TrendRun.LineFilter().apply(lines).count == lines.count)
        // The fixture's components, sorted.
        let known = "etcd, kube-apiserver, other, ovnkube, prometheus"
        #expect(
            throws: UsageError("--component etcdd: no such component in these builds. Known: \(known); or category:<name>, or total.")
        ) { try TrendRun.LineFilter(component: "etcdd").apply(lines) }
        #expect(throws: UsageError.self) { try TrendRun.LineFilter(component: "category:nope").apply(lines) }
        #expect(RunOutcome(error: UsageError("x")) == .usage)
    }

    @Test("builds: distributions by name, the builds of each in the reports' build order")
    func buildOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-builds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SnapshotStore(path: dir.appendingPathComponent("s.sqlite").path)
        // Collected out of order; 4.6.10 is newer than 4.6.9 although it sorts before it as text,
        // and k3s sorts before ocp.
        _ = try store.save([
            Fixture.storeInput(cluster: "c0", build: "4.6.10", day: 0, etcd: 0.3),
            Fixture.storeInput(cluster: "c0", build: "4.6.9", day: 1, etcd: 0.3),
            Fixture.storeInput(cluster: "k", distribution: "k3s", build: "v1.27.1+k3s1", day: 2, etcd: 0.1),
            Fixture.storeInput(cluster: "k", distribution: "k3s", build: "v1.26.5+k3s1", day: 3, etcd: 0.1),
        ])
        #expect(try Listings.builds(store).map(\.build) == ["v1.26.5+k3s1", "v1.27.1+k3s1", "4.6.9", "4.6.10"])
        // snapshots --build of a build that is not stored: exit 4 with the known builds.
        #expect(
            throws: CompareError.unknownBuild(name: "4.6.11", known: ["v1.26.5+k3s1", "v1.27.1+k3s1", "4.6.9", "4.6.10"])
        ) { try Listings.snapshots(store, build: "4.6.11") }
        #expect(RunOutcome(error: CompareError.unknownBuild(name: "x", known: [])) == .noSnapshots)
    }
}

/// The clock of the runs these tests call.
enum TestClock {
    /// A fixed `now`: 2026-11-01T00:00:00Z.
    static let fixed: TimestampMs = 1_793_491_200_000
}
