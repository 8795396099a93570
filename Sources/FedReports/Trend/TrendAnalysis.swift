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
/// of its distribution, level, name, resource and first build, one per line. The same change
/// seen again in a later report keeps its id, so an acknowledgement can be written from a report.
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
    package var acknowledgement: Acknowledgement?

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

extension Reporter {
    /// Looks for change points in the mean and the p95 of every row of `trends` (one point per
    /// build, in the order of `builds`). A line is searched over the builds where it has a value;
    /// none is searched when there are fewer than `options.minBuilds` builds.
    package static func trendAnalysis(
        distribution: String, builds: [String], trends: [TrendSeries], options: TrendOptions
    ) -> TrendAnalysis {
        var lines: [TrendLine] = []
        // Totals first, then categories, then components, as the report's tables go.
        let ordered = RowLevel.allCases.reversed().flatMap { level in trends.filter { $0.level == level } }
        for series in ordered {
            for statistic in TrendStatistic.allCases {
                let values = series.points.map { point -> Double? in
                    guard let summary = point.stats?.summary else { return nil }
                    let v = statistic == .mean ? summary.mean : summary.p95
                    return v.isFinite ? v : nil
                }
                let present = values.indices.filter { values[$0] != nil }
                let enough = builds.count >= options.minBuilds && present.count >= options.minBuilds
                var points: [ChangePoint] = []
                if enough {
                    let found = EDivisive.changePoints(present.map { values[$0]! }, options: options.search)
                    points = found.map { split in
                        let index = present[split.index]
                        return ChangePoint(
                            id: StableID.of(distribution: distribution, key: series.key, build: builds[index]), key: series.key,
                            statistic: statistic, build: builds[index], index: index, meanBefore: split.meanBefore,
                            meanAfter: split.meanAfter, pValue: split.pValue)
                    }
                }
                lines.append(
                    TrendLine(
                        key: series.key, statistic: statistic, values: values, changePoints: points, enoughValues: enough))
            }
        }
        return TrendAnalysis(distribution: distribution, builds: builds, lines: lines, options: options)
    }
}
