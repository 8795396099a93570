import FedCore

/// One build's pooled figures in a trend.
package struct TrendPoint: Sendable, Equatable {
    package var build: String
    /// Nil when the build has no sample for the row.
    package var stats: SideStats?
}

/// A row's pooled mean and p95 per build, in version order.
package struct TrendSeries: KeyedRow, Sendable, Equatable {
    package var key: RowKey
    package var points: [TrendPoint]
}

/// The periodic report of one distribution: the newest build against the one before it and
/// against the baseline, the trend over the last builds, and data quality.
package struct PeriodicReport: Sendable {
    package var distribution: String
    /// The builds of the trend, oldest first; the last is the newest.
    package var builds: [String]
    /// Newest against the build before it; nil when only one build is stored.
    package var comparison: Comparison?
    /// The newest build against the baseline alone, used when `comparison` is nil.
    package var baseline: SideInfo?
    package var trends: [TrendSeries]
    /// Change points over the builds of the trend.
    package var changes: TrendAnalysis
    /// Findings over every snapshot of the trend and the baseline.
    package var dataQuality: DataQuality
    package var provenance: [ProvenanceEntry]
    /// Where the newest build's CPU and memory go (the comparison's targets, with one build its own).
    package var targets = Targets()

    package var newest: String { builds.last ?? "" }
}

extension Reporter {
    /// Builds the periodic report from samples already in build order (oldest first). Change
    /// points use `trendOptions`, or the defaults with `options.threshold` when nil.
    ///
    /// `earlier` are the builds before `samples` that the reports of earlier nights saw (at most
    /// `samples.count` − 1, oldest first): the change points' ids are replayed over them.
    package static func periodic(
        distribution: String, samples: [BuildSample], baseline: BuildSample?, options: CompareOptions = .init(),
        trendOptions: TrendOptions? = nil, earlier: [BuildSample] = []
    ) -> PeriodicReport {
        var comparison: Comparison?
        if samples.count >= 2 {
            comparison = Comparer.compare(
                a: samples[samples.count - 2], b: samples[samples.count - 1], baseline: baseline, options: options)
        }
        let trends = trendSeries(samples)
        // Without settings of its own, a change point needs the verdicts' threshold.
        var changes = trendAnalysis(
            distribution: distribution, builds: samples.map(\.build), trends: trends,
            options: trendOptions ?? TrendOptions(threshold: options.threshold),
            history: trendHistory(earlier: earlier, samples: samples, trends: trends))
        answer(
            &changes, trends: trends, baseline: baseline,
            budgets: changes.options.budgets.isEmpty ? options.budgets : changes.options.budgets)
        let sides = samples.map { (Side.b, $0) } + (baseline.map { [(Side.baseline, $0)] } ?? [])
        var dq = Comparer.dataQuality(sides: sides)
        dq.lowCoverage = comparison?.dataQuality.lowCoverage ?? []
        dq.measurements = comparison?.dataQuality.measurements ?? []
        dq.clusterSets = comparison?.dataQuality.clusterSets
        dq.nodeCounts = comparison?.dataQuality.nodeCounts
        var provenance = Comparer.provenance(samples.map { (Side.b, $0) })
        for i in provenance.indices { provenance[i].side = "trend" }
        if let baseline { provenance += Comparer.provenance([(.baseline, baseline)]) }
        var report = PeriodicReport(
            distribution: distribution, builds: samples.map(\.build), comparison: comparison,
            baseline: baseline.map(Comparer.sideInfo), trends: trends, changes: changes, dataQuality: dq, provenance: provenance)
        report.targets = targets(report, trends: trends)
        return report
    }

    /// The rows of `trends` (those of `samples`) over `earlier` and `samples`; nil without
    /// `earlier`.
    package static func trendHistory(earlier: [BuildSample], samples: [BuildSample], trends: [TrendSeries]) -> TrendHistory? {
        guard !earlier.isEmpty else { return nil }
        let before = Dictionary(trendSeries(earlier).map { ($0.key, $0.points) }, uniquingKeysWith: { a, _ in a })
        let none = earlier.map { TrendPoint(build: $0.build, stats: nil) }
        return TrendHistory(
            builds: earlier.map(\.build) + samples.map(\.build),
            trends: trends.map { TrendSeries(key: $0.key, points: (before[$0.key] ?? none) + $0.points) })
    }

    /// Each row's pooled figures per build, for samples in build order (oldest first).
    package static func trendSeries(_ samples: [BuildSample]) -> [TrendSeries] {
        let pooled = samples.map { PooledSide($0.snapshots) }
        let keys = pooled.reduce(into: Set<RowKey>()) { $0.formUnion($1.rows.keys) }.sorted()
        return keys.map { key in
            TrendSeries(
                key: key, points: zip(samples, pooled).map { TrendPoint(build: $0.build, stats: $1.stats(key)) })
        }
    }
}

/// Entry points that build report models.
package enum Reporter {}

extension PeriodicReport {
    /// The change points that fail `nightly --fail-on change-point`: regressions (more CPU or
    /// memory) that no entry of acks.yaml acknowledges and that the newest build brings: they
    /// start at the newest build, or tonight's report is the first to show them (the same
    /// change shown by an earlier night within `min_segment` builds of it, in the same
    /// direction, is not new; see ``ChangePoint/firstShownBy``).
    ///
    /// A change point needs `min_segment` builds on each side, so a change shows some builds
    /// after it started, first (provisional) at the last build that leaves `min_segment`
    /// builds after it and then, as builds of the new level come, at its real first build. It
    /// keeps the id of the night it first showed, and fails the job on that night only, not
    /// again while it moves to its place or on the nights after.
    package var changePointsOfNewestBuild: [ChangePoint] {
        changes.distinctChangePoints.filter {
            $0.direction == .regression && $0.acknowledgement == nil && ($0.build == newest || $0.firstShownBy == newest)
        }
    }
}
