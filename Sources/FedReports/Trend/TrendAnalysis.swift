import FedCore

/// Which per-build figure a trend line follows.
package enum TrendStatistic: String, Sendable, CaseIterable {
    /// The build's pooled mean (what verdicts use).
    case mean
    /// The build's pooled p95.
    case p95
}

/// Which way a change point goes: more CPU or memory is a regression.
package enum ChangeDirection: String, Sendable {
    case regression
    case improvement
}

/// Why a regression or change point no longer fails a job: an entry of `acks.yaml`.
package struct Acknowledgement: Sendable, Equatable {
    package var reason: String
    package var ticket: String

    package init(reason: String, ticket: String) {
        self.reason = reason
        self.ticket = ticket
    }
}

/// The settings of change-point detection: `trend:` in the configuration and the verdict
/// threshold of `report.threshold`.
package struct TrendOptions: Sendable, Equatable {
    package var pMax: Double
    package var window: Int
    package var minBuilds: Int
    package var minSegment: Int
    /// The relative change a change point must exceed, as a fraction (report.threshold / 100).
    package var threshold: Double
    /// The budgets each build is held against (`budgets:`).
    package var budgets = Configuration.Budgets()

    package init(pMax: Double = 0.001, window: Int = 50, minBuilds: Int = 10, minSegment: Int = 5, threshold: Double = 0.05) {
        self.pMax = pMax
        self.window = window
        self.minBuilds = minBuilds
        self.minSegment = minSegment
        self.threshold = threshold
    }

    var search: EDivisive.Options {
        EDivisive.Options(pMax: pMax, window: window, minSegment: minSegment, minRelativeChange: threshold)
    }
}

/// A stable identifier of a regression or change point: the first 10 hex digits of the SHA-256
/// of its distribution, level, name, resource and first build, one per line (for a change
/// point, its first build on the night it first showed: ``ChangePoint/idBuild``). The same
/// change seen again in a later report keeps its id, so an acknowledgement can be written from
/// a report.
package enum StableID {
    package static func of(distribution: String, level: RowLevel, name: String, resource: Resource, build: String) -> String {
        let text = [distribution, level.rawValue, name, resource.rawValue, build].joined(separator: "\n")
        return String(SHA256.hex(Array(text.utf8)).prefix(10))
    }

    /// The id of the row `key` from `build` on.
    package static func of(distribution: String, key: RowKey, build: String) -> String {
        of(distribution: distribution, level: key.level, name: key.name, resource: key.resource, build: build)
    }
}

/// A lasting change in a trend line: where a new regime starts, and how it differs from the one
/// before it.
package struct ChangePoint: KeyedRow, Sendable, Equatable {
    package var id: String
    package var key: RowKey
    package var statistic: TrendStatistic
    /// The first build of the new regime.
    package var build: String
    /// Its position in the analysis' builds, from 0.
    package var index: Int
    /// The means of the line's values before and after, each up to the neighbouring change point.
    package var meanBefore: Double
    package var meanAfter: Double
    /// The two-sided p-value of the pooled-variance t-test between the two.
    package var pValue: Double
    /// The build the id is keyed on: the first build of the change as the report of the night
    /// it first showed put it (replayed from the history, see ``Reporter/trendAnalysis``). It
    /// is `build` unless the change moved after it first showed.
    package var idBuild: String
    /// The newest build of the report of the night the change first showed.
    package var firstShownBy: String
    /// Set while fewer than `min_segment` builds follow the change: the newest build of its
    /// line, the end of the range the change may still move in (`build` is the earliest
    /// candidate). Nil once the change is settled.
    package var provisionalUntil: String?
    package var acknowledgement: Acknowledgement?

    /// Whether the change may still move to a later build (see ``provisionalUntil``).
    package var provisional: Bool { provisionalUntil != nil }

    /// The first build as the reports show it: "4.7.0-…-21 … 4.7.0-…-25 (provisional)" while
    /// the change may still move.
    package var buildText: String { buildText { $0 } }

    /// ``buildText`` with each build as `name` gives it (the short labels of nightlies).
    package func buildText(_ name: (String) -> String) -> String {
        provisionalUntil.map { "\(name(build)) … \(name($0)) (provisional)" } ?? name(build)
    }

    /// How the terminal lines name it: "change point 6358e6db15 (provisional)" while it may
    /// still move.
    package var label: String { "change point \(id)" + (provisional ? " (provisional)" : "") }

    /// Its first build in a terminal line: "4.7.0-…-21 (may move up to 4.7.0-…-25)" while it may
    /// still move.
    package var fromText: String { build + (provisionalUntil.map { " (may move up to \($0))" } ?? "") }

    /// `meanAfter` against `meanBefore`, in percent; nil when the mean before is 0.
    package var changePct: Double? { meanBefore == 0 ? nil : (meanAfter / meanBefore - 1) * 100 }
    package var direction: ChangeDirection { meanAfter > meanBefore ? .regression : .improvement }
}

/// One row's per-build values of one statistic, in build order, and its change points.
package struct TrendLine: KeyedRow, Sendable, Equatable {
    package var key: RowKey
    package var statistic: TrendStatistic
    /// One value per build of the analysis; nil where the build has no data for the row.
    package var values: [Double?]
    package var changePoints: [ChangePoint]
    /// Whether the line has values in at least `minBuilds` builds; without, no change point is looked for.
    package var enoughValues: Bool
}

/// Change points over the history of builds of one distribution.
package struct TrendAnalysis: Sendable {
    package var distribution: String
    /// The builds, oldest first.
    package var builds: [String]
    package var lines: [TrendLine]
    package var options: TrendOptions
    /// The baseline the builds are held against, when one was asked for.
    package var baseline: BaselineReference?
    /// Each build's ratio to the baseline, a line per total and category both have (statistic
    /// `mean`: the ratio of the means), with its change points.
    package var ratioLines: [TrendLine] = []
    /// Every budget's status in every build.
    package var budgets: [BudgetTrend] = []

    /// Fewer builds than `minBuilds`: no change point is looked for at all.
    package var notEnoughBuilds: Bool { builds.count < options.minBuilds }

    /// "not enough builds for change points (have 4, need 10)", or nil.
    package var notEnoughBuildsMessage: String? {
        notEnoughBuilds ? "not enough builds for change points (have \(builds.count), need \(options.minBuilds))" : nil
    }

    /// Every change point of every line: totals, categories, components, as the lines come.
    package var changePoints: [ChangePoint] { lines.flatMap(\.changePoints) }

    /// The change points as a reader wants them: one per id (a change found on the mean and on
    /// the p95 of a row at the same build is one change), the mean's figures first.
    package var distinctChangePoints: [ChangePoint] {
        var seen = Set<String>()
        let ordered =
            lines.filter { $0.statistic == .mean }.flatMap(\.changePoints)
            + lines.filter { $0.statistic == .p95 }.flatMap(\.changePoints)
        let unique = ordered.filter { seen.insert($0.id).inserted }
        return unique.sorted { ($0.index, rowOrder($0)) < ($1.index, rowOrder($1)) }
    }

    /// The statistics on which the change point with `id` was found, mean first.
    package func statistics(of id: String) -> [TrendStatistic] {
        TrendStatistic.allCases.filter { s in lines.contains { $0.statistic == s && $0.changePoints.contains { $0.id == id } } }
    }

    private func rowOrder(_ c: ChangePoint) -> Int {
        lines.firstIndex { $0.key == c.key } ?? 0
    }
}

/// The builds a trend's window slid over: the builds before the window that earlier nights'
/// reports saw, then the window's, and each row's values over all of them. The change points'
/// ids are replayed over it.
package struct TrendHistory: Sendable {
    /// Oldest first; the last ones are the analysis' builds.
    package var builds: [String]
    package var trends: [TrendSeries]

    package init(builds: [String], trends: [TrendSeries]) {
        self.builds = builds
        self.trends = trends
    }
}

extension Reporter {
    /// Looks for change points in the mean and the p95 of every row of `trends` (one point per
    /// build, in the order of `builds`). A line is searched over the builds where it has a value;
    /// none is searched when there are fewer than `options.minBuilds` builds.
    ///
    /// A change point with fewer than `minSegment` builds after it is provisional: the search
    /// could not put it any later, so the change may start at any build up to the newest.
    /// Each point's id is keyed on where the report of the night it first showed put it: the
    /// reports of the earlier nights are replayed over `history` (windows of `builds.count`
    /// builds ending at each earlier build; without `history`, the prefixes of `builds`), and
    /// the first that shows a change of the row in the same direction within `minSegment`
    /// builds gives ``ChangePoint/idBuild``. So a change keeps its id, and its acks, while it
    /// moves to its real first build.
    package static func trendAnalysis(
        distribution: String, builds: [String], trends: [TrendSeries], options: TrendOptions, history: TrendHistory? = nil
    ) -> TrendAnalysis {
        let history = history ?? TrendHistory(builds: builds, trends: trends)
        let offset = history.builds.count - builds.count
        let pastByKey = Dictionary(history.trends.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var lines: [TrendLine] = []
        // Totals first, then categories, then components, as the report's tables go.
        let ordered = RowLevel.allCases.reversed().flatMap { level in trends.filter { $0.level == level } }
        for series in ordered {
            let past =
                pastByKey[series.key]
                ?? TrendSeries(
                    key: series.key, points: history.builds.prefix(offset).map { TrendPoint(build: $0, stats: nil) } + series.points)
            var replay = Replay(series: past, builds: history.builds.count, window: builds.count, options: options)
            let searched = TrendStatistic.allCases.map { statistic in
                let values = lineValues(series, statistic)
                return (statistic, values, search(values, buildCount: builds.count, options: options))
            }
            // Tonight's points of the row, by history index and direction: an earlier night's
            // point names the one of them nearest to it.
            let tonight = searched.flatMap { $0.2.found.map { (offset + $0.index, $0.direction) } }
            for (statistic, values, (enough, found)) in searched {
                let points = found.map { f in
                    let rivals = tonight.filter { $0.1 == f.direction }.map(\.0)
                    let (anchor, night) = replay.firstSighting(of: f, at: offset + f.index, rivals: rivals)
                    return ChangePoint(
                        id: StableID.of(distribution: distribution, key: series.key, build: history.builds[anchor]), key: series.key,
                        statistic: statistic, build: builds[f.index], index: f.index, meanBefore: f.split.meanBefore,
                        meanAfter: f.split.meanAfter, pValue: f.split.pValue, idBuild: history.builds[anchor],
                        firstShownBy: history.builds[night - 1], provisionalUntil: f.provisional ? builds[f.last] : nil)
                }
                lines.append(
                    TrendLine(
                        key: series.key, statistic: statistic, values: values, changePoints: points, enoughValues: enough))
            }
        }
        return TrendAnalysis(distribution: distribution, builds: builds, lines: lines, options: options)
    }

    /// A change point of one line, by index into the line's builds.
    struct FoundPoint {
        var index: Int
        var split: EDivisive.Split
        /// The line's last build with a value.
        var last: Int
        var provisional: Bool
        var direction: ChangeDirection { split.meanAfter > split.meanBefore ? .regression : .improvement }
    }

    static func lineValues(_ series: TrendSeries, _ statistic: TrendStatistic) -> [Double?] {
        series.points.map { point -> Double? in
            guard let summary = point.stats?.summary else { return nil }
            let v = statistic == .mean ? summary.mean : summary.p95
            return v.isFinite ? v : nil
        }
    }

    /// The change points of one line of `buildCount` builds, and whether it had enough values.
    static func search(_ values: [Double?], buildCount: Int, options: TrendOptions) -> (enough: Bool, found: [FoundPoint]) {
        let present = values.indices.filter { values[$0] != nil }
        guard buildCount >= options.minBuilds && present.count >= options.minBuilds else { return (false, []) }
        let splits = EDivisive.changePoints(present.map { values[$0]! }, options: options.search)
        // A point always has `minSegment` values from it on: at the last such index, no later
        // build could be chosen.
        let clamped = present.count - max(options.minSegment, 1)
        return (
            true,
            splits.map {
                FoundPoint(index: present[$0.index], split: $0, last: present.last!, provisional: $0.index >= clamped)
            }
        )
    }

    /// The earlier nights' reports of one row over its history, each searched once.
    struct Replay {
        let series: TrendSeries
        /// How many builds the history has, and how many a night's report looks at.
        let builds: Int
        let window: Int
        let options: TrendOptions
        var nights: [Int: [FoundPoint]] = [:]

        init(series: TrendSeries, builds: Int, window: Int, options: TrendOptions) {
            self.series = series
            self.builds = builds
            self.window = window
            self.options = options
        }

        /// The change points, by history index, of the report of the night whose newest build is
        /// history index `night − 1`, on the mean and the p95 of the row.
        mutating func points(night: Int) -> [FoundPoint] {
            if let known = nights[night] { return known }
            let low = max(0, night - window)
            let slice = TrendSeries(key: series.key, points: Array(series.points[low..<night]))
            let found = TrendStatistic.allCases.flatMap { statistic in
                search(lineValues(slice, statistic), buildCount: night - low, options: options).found.map { f in
                    var shifted = f
                    shifted.index += low
                    shifted.last += low
                    return shifted
                }
            }
            nights[night] = found
            return found
        }

        /// The first night that shows the change `point` (at history index `at`), and where it
        /// put it: the earliest report with a change of the row in the same direction within
        /// `minSegment` builds, the nearest one if several. Tonight's report shows `point`
        /// itself, so there always is one. A point of an earlier night that is nearer to another
        /// of tonight's points of the row (`rivals`, history indices, same direction) is that
        /// one's, so two changes of a row never share an id.
        mutating func firstSighting(of point: FoundPoint, at: Int, rivals: [Int]) -> (anchor: Int, night: Int) {
            let reach = max(options.minSegment, 1)
            // The first sighting can sit at most `minSegment` − 1 builds before the point, and
            // has at least one build from it on.
            for night in stride(from: max(at + 1, options.minBuilds), to: builds, by: 1) {
                let near = points(night: night).filter { q in
                    q.direction == point.direction && abs(q.index - at) < reach
                        && rivals.allSatisfy { abs(q.index - at) <= abs(q.index - $0) }
                }
                if let best = near.min(by: { (abs($0.index - at), $0.index) < (abs($1.index - at), $1.index) }) {
                    return (best.index, night)
                }
            }
            return (at, builds)
        }
    }
}
