import FedClient
import FedCollect
import FedCore
import FedDecode
import FedTestHarness
import FedTestSupport
import Testing

/// What the commands print but the libraries compute: the check's counts and subqueries, the
/// collect summary's coverage, the terminal table, the retry notice's cause.
@Suite("Figures behind the commands")
struct CommandFiguresTests {
    // MARK: check

    /// A `count(...)` answer of one series with `value` at the evaluation time.
    static func countAnswer(_ value: Double?, at time: TimestampMs = 60_000) -> SeriesCollector {
        let answer = SeriesCollector(grid: TimeGrid(start: time, step: 30_000, count: 1))
        if let value {
            answer.beginSeries(labels: LabelSet([:]))
            answer.point(timestampMs: time, value: value)
            answer.endSeries()
        }
        return answer
    }

    @Test("a count answered as NaN, ±Inf, a negative number, off the evaluation time or not at all is 0 series")
    func nonFiniteCounts() {
        #expect(Collector.seriesCount(Self.countAnswer(3)) == 3)
        #expect(Collector.seriesCount(Self.countAnswer(.nan)) == 0)
        #expect(Collector.seriesCount(Self.countAnswer(.infinity)) == 0)
        #expect(Collector.seriesCount(Self.countAnswer(-.infinity)) == 0)
        #expect(Collector.seriesCount(Self.countAnswer(-1)) == 0)
        #expect(Collector.seriesCount(Self.countAnswer(1e300)) == 0)
        #expect(Collector.seriesCount(Self.countAnswer(nil)) == 0)
        // A point at another timestamp leaves the grid's one slot missing.
        let offGrid = SeriesCollector(grid: TimeGrid(start: 60_000, step: 30_000, count: 1))
        offGrid.beginSeries(labels: LabelSet(["job": "x"]))
        offGrid.point(timestampMs: 90_000, value: 5)
        offGrid.endSeries()
        #expect(Collector.seriesCount(offGrid) == 0)
    }

    @Test("the window subquery spans the grid, with a step of the grid's or a 48th of the window")
    func windowSubquery() {
        // A day at 30 s: 2,880 points, 24 h / 48 = 30 min.
        let day = TimeGrid(start: 0, step: 30_000, count: 2_880)
        #expect(Collector.lastOverWindow("up", grid: day) == "last_over_time((up)[1d:30m])")
        // An hour at 60 s: 60 min / 48 = 75 s is coarser than 60 s.
        let hour = TimeGrid(start: 0, step: 60_000, count: 60)
        #expect(Collector.lastOverWindow("up", grid: hour) == "last_over_time((up)[1h:1m15s])")
        // Ten minutes at 30 s: 600 s / 48 = 12.5 s is finer than the step, which wins.
        let short = TimeGrid(start: 0, step: 30_000, count: 20)
        #expect(Collector.lastOverWindow("up", grid: short) == "last_over_time((up)[10m:30s])")
    }

    @Test("a cluster's problems: a missing or failed timeline, and each query without data or failed")
    func problems() {
        let plan = ClusterPlan(name: "a", distribution: "ocp")
        let fine = [QueryCheck(name: "q1", seriesCount: 4), QueryCheck(name: "q2", seriesCount: 1)]
        #expect(ClusterCheck(plan: plan, versions: ["4.6.1"], timelineError: nil, queries: fine).problems == 0)
        #expect(ClusterCheck(plan: plan, versions: [], timelineError: nil, queries: fine).problems == 1)
        #expect(ClusterCheck(plan: plan, versions: [], timelineError: "HTTP 503", queries: fine).problems == 1)
        let bad = [QueryCheck(name: "q1", seriesCount: 0), QueryCheck(name: "q2", seriesCount: nil, error: "x"), fine[0]]
        #expect(ClusterCheck(plan: plan, versions: ["4.6.1", "4.6.2"], timelineError: nil, queries: bad).problems == 2)
    }

    // MARK: collect

    static func input(included: [Bool], components: [ComponentSeries]) -> SnapshotInput {
        SnapshotInput(
            metadata: SnapshotMetadata(
                cluster: "a", distribution: "ocp", build: "4.6.1", start: 0, end: Int64(included.count - 1) * 30_000, step: 30_000,
                querySetHash: "qs", querierURL: "http://q", serverBuild: nil, fedreportVersion: fedreportVersion,
                leftOut: LeftOutCounts(), warnings: [], partial: false, collectedAt: 0, noData: []),
            included: GridMask(included), components: components, containers: [])
    }

    static func series(_ name: String, _ resource: Resource, _ values: [Double]) -> ComponentSeries {
        ComponentSeries(component: ComponentRef(name: name, category: .other), resource: resource, values: values, members: [name])
    }

    @Test("coverage: included timestamps at which the CPU total has a value (every CPU component there); memory does not count")
    func totalCoverage() throws {
        let nan = Double.nan
        // Timestamp 2 is left out of the snapshot; at 0, 1 and 3 both CPU components have a
        // value: 3 of 3. Memory at 2 does not help.
        let full = Self.input(
            included: [true, true, false, true],
            components: [
                Self.series("etcd", .cpu, [0.1, 0.2, nan, 0.2]), Self.series("dns", .cpu, [0.3, 0.3, nan, 0.4]),
                Self.series("etcd", .memory, [5, 5, 5, 5]),
            ])
        #expect(full.totalCPUCoverage == 1)
        #expect(full.componentCount == 2)
        // All four included. 0 and 2: both have CPU. 1: neither (a gap). 3: after dns's last
        // point, so dns does not run there and etcd alone is the total. 3 of 4.
        let ended = Self.input(
            included: [true, true, true, true],
            components: [
                Self.series("etcd", .cpu, [0.1, nan, 0.1, 0.1]), Self.series("dns", .cpu, [0.2, nan, 0.2, nan]),
                Self.series("sdn", .memory, [nan, 7, nan, nan]),
            ])
        #expect(ended.totalCPUCoverage == 0.75)
        #expect(ended.componentCount == 3)
        // Gaps inside the spans: at 1 etcd has none while dns has one, at 2 the other way round;
        // both left out rather than summed short. 2 of 4.
        let half = Self.input(
            included: [true, true, true, true],
            components: [Self.series("etcd", .cpu, [0.1, nan, 0.1, 0.1]), Self.series("dns", .cpu, [0.2, 0.2, nan, 0.2])])
        #expect(half.totalCPUCoverage == 0.5)
        #expect(Self.input(included: [false, false], components: []).totalCPUCoverage == nil)
    }

    // MARK: terminal and stderr

    @Test("a text table pads columns to the widest cell, rules the header, trims line ends")
    func textTableLayout() {
        let text = textTable(["A", "BB"], [["xyz", "1"], ["q"], ["  indented", "2"]])
        #expect(
            text == """
                A           BB
                ----------  --
                xyz         1
                q
                  indented  2
                """)
    }

    @Test("a retry notice names its cause in a few words")
    func shortCauses() {
        let refused = QueryError.transport(code: 7, message: "Failed to connect", query: "up", url: "http://q", bytesReceived: 0)
        #expect(refused.shortCause == "could not connect")
        #expect(QueryError.http(status: 503, errorType: nil, error: nil, body: "x", query: "up", url: "u").shortCause == "HTTP 503")
        #expect(
            QueryError.http(status: 422, errorType: "execution", error: "e", body: nil, query: "up", url: "u").shortCause
                == "HTTP 422 execution")
        #expect(QueryError.transport(code: 28, message: "", query: "", url: "", bytesReceived: 0).shortCause == "timed out")
        #expect(QueryError.transport(code: 99, message: "", query: "", url: "", bytesReceived: 0).shortCause == "libcurl error 99")
    }

    @Test("--version prints the version every snapshot records")
    func version() throws {
        let run = try runFedreport(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == fedreportVersion + "\n")
    }

    @Test("a wrong flag, a missing argument or a bad value exits 2 with the usage; help exits 0")
    func usageExitCode() throws {
        for arguments in [["compare"], ["collect", "--bogus"], ["collect", "--window", "banana"], ["frobnicate"]] {
            let run = try runFedreport(arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("Error:") || run.stderr.contains("error:"), "\(arguments)")
        }
        #expect(try runFedreport(["collect", "--window", "banana"]).stderr.contains("--window 'banana' is not a duration"))
        #expect(try runFedreport(["compare"]).stderr.contains("Usage:"))
        let help = try runFedreport(["compare", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE"))
    }

    // MARK: test support

    @Test("the seeded generator is SplitMix64: the reference outputs for seed 0")
    func seededGenerator() {
        // From the reference implementation (splitmix64.c, Vigna) started at x = 0.
        var rng = SeededGenerator(seed: 0)
        #expect([rng.next(), rng.next(), rng.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }
}
