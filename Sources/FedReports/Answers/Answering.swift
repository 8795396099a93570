import FedCore

// The answers every report gives first: where the CPU and memory go (``Targets``), what explains
// a change (``DeltaBreakdown``), how far the builds are from the baseline (``BaselineRatio``) and
// whether they fit their budgets (``BudgetStatus``), worked out from the pooled means the rows hold.

extension Comparer {
    /// Fills the answers of `comparison` (B against A and the baseline). With per-node components
    /// the rows hold per-node figures, so the answers are pooled again whole: a share or a budget
    /// is of what the platform uses.
    static func answer(_ comparison: inout Comparison, a: BuildSample, b: BuildSample, options: CompareOptions) {
        var meansA = SideMeans(comparison.allRows.compactMap { r in r.a.map { (r.key, $0.summary.mean) } })
        var meansB = SideMeans(comparison.allRows.compactMap { r in r.b.map { (r.key, $0.summary.mean) } })
        if !options.perNodeComponents.isEmpty {
            meansA = SideMeans(PooledSide(a.snapshots))
            meansB = SideMeans(PooledSide(b.snapshots))
        }
        let baseline = SideMeans(comparison.allRows.compactMap { r in r.baseline.map { (r.key, $0.summary.mean) } })
        let id = { (key: RowKey) in StableID.of(distribution: b.distribution, key: key, build: b.build) }
        comparison.targets = Targets(b: meansB, a: meansA, baseline: comparison.baseline == nil ? nil : baseline, id: id)
        comparison.breakdown = Resource.allCases.compactMap { DeltaBreakdown($0, a: meansA, b: meansB, id: id) }
        comparison.baselineRatio = comparison.baseline == nil ? nil : BaselineRatio(meansB, against: baseline)
        comparison.budgets = Reporter.budgets(options.budgets, measured: meansB.budgetMeasurements, distribution: b.distribution)
    }

    /// Fills the answers of a comparison of several builds: the targets of the last build and
    /// the breakdown of its change against the first, the ratio of every build to the baseline.
    /// Its budgets are those of its last pair.
    static func answer(_ multi: inout MultiComparison, samples: [BuildSample]) {
        let rows = multi.allRows
        let means =
            multi.options.perNodeComponents.isEmpty
            ? multi.builds.indices.map { i in SideMeans(rows.compactMap { r in r.stats[i].map { (r.key, $0.summary.mean) } }) }
            : samples.map { SideMeans(PooledSide($0.snapshots)) }
        let baseline = multi.baseline == nil ? nil : SideMeans(rows.compactMap { r in r.baseline.map { (r.key, $0.summary.mean) } })
        guard let first = means.first, let last = means.last, let newest = multi.builds.last else { return }
        let id = { (key: RowKey) in StableID.of(distribution: newest.distribution, key: key, build: newest.build) }
        multi.targets = Targets(b: last, a: first, baseline: baseline, id: id)
        multi.breakdown = Resource.allCases.compactMap { DeltaBreakdown($0, a: first, b: last, id: id) }
        if let baseline { multi.baselineRatios = means.map { BaselineRatio($0, against: baseline) } }
    }
}

extension SideMeans {
    init(_ pairs: [(RowKey, Double)]) { self.init(Dictionary(pairs, uniquingKeysWith: { x, _ in x })) }

    /// The means of build `index` of `trends`.
    init(_ trends: [TrendSeries], build index: Int) {
        self.init(trends.compactMap { s in s.points[index].stats.map { (s.key, $0.summary.mean) } })
    }
}

extension Reporter {
    /// Adds to `analysis` the baseline, each build's ratio to it (the lines of the totals and
    /// categories both have, searched for change points like any trend line) and the budgets'
    /// status in every build.
    static func answer(_ analysis: inout TrendAnalysis, trends: [TrendSeries], baseline: BuildSample?, budgets: Configuration.Budgets) {
        let perBuild = analysis.builds.indices.map { SideMeans(trends, build: $0) }
        analysis.budgets = budgetTrends(budgets, measured: perBuild, distribution: analysis.distribution)
        guard let baseline else { return }
        let means = SideMeans(PooledSide(baseline.snapshots, components: false))
        analysis.baseline = BaselineReference(build: baseline.build, distribution: baseline.distribution, means: means)
        // Each ratio rides as the mean of a one-sample build, so that the search is the one
        // every other trend line gets.
        let ratios = trends.filter { $0.level != .component && (means[$0.key] ?? 0) > 0 }.map { s in
            TrendSeries(
                key: s.key,
                points: s.points.map { p in
                    TrendPoint(build: p.build, stats: p.stats.map { Self.single($0.summary.mean / means[s.key]!) })
                })
        }
        let search = trendAnalysis(distribution: analysis.distribution, builds: analysis.builds, trends: ratios, options: analysis.options)
        analysis.ratioLines = search.lines.filter { $0.statistic == .mean }
    }

    /// Statistics of one sample of `value`.
    static func single(_ value: Double) -> SideStats {
        SideStats(
            summary: Summary(mean: value, min: value, p50: value, p90: value, p95: value, p99: value, max: value, samples: 1, coverage: 1),
            snapshots: 1, snapshotMeans: [value], partial: false)
    }

    /// The targets of a periodic report: the comparison's, or with a single build, that build's
    /// alone (no change), with the baseline's category means.
    static func targets(_ report: PeriodicReport, trends: [TrendSeries]) -> Targets {
        if let comparison = report.comparison { return comparison.targets }
        guard !report.builds.isEmpty else { return Targets() }
        let newest = SideMeans(trends, build: report.builds.count - 1)
        return Targets(
            b: newest, a: nil, baseline: report.changes.baseline?.means,
            id: { StableID.of(distribution: report.distribution, key: $0, build: report.newest) })
    }
}

// MARK: What fails a job and what a notification says

extension Comparison {
    /// The budgets B exceeds.
    package var exceededBudgets: [BudgetStatus] { budgets.filter(\.isExceeded) }
    /// The exceeded budgets that no entry of acks.yaml acknowledges: those that fail `--fail-on budget`.
    package var unacknowledgedExceededBudgets: [BudgetStatus] { exceededBudgets.filter { $0.acknowledgement == nil } }

    /// B's findings that no entry of acks.yaml acknowledges: its regressions, then its exceeded budgets.
    package var findings: [NotificationSummary.Finding] {
        unacknowledgedRegressions.map { .regression($0, build: b.build) }
            + unacknowledgedExceededBudgets.map { .budget($0, build: b.build) }
    }
}

extension MultiComparison {
    /// The budgets held against the last build.
    package var budgets: [BudgetStatus] { pairs.last?.budgets ?? [] }
    package var exceededBudgets: [BudgetStatus] { pairs.last?.exceededBudgets ?? [] }
    package var unacknowledgedExceededBudgets: [BudgetStatus] { pairs.last?.unacknowledgedExceededBudgets ?? [] }
}

extension PeriodicReport {
    /// The budgets held against the newest build.
    package var budgets: [BudgetStatus] { changes.budgets.compactMap(\.newest) }
    package var exceededBudgets: [BudgetStatus] { budgets.filter(\.isExceeded) }
    /// The newest build's exceeded budgets that no entry of acks.yaml acknowledges.
    package var unacknowledgedExceededBudgets: [BudgetStatus] { exceededBudgets.filter { $0.acknowledgement == nil } }

    /// What `report` and `nightly` may fail on and notify about, none of it acknowledged: the
    /// newest build's regressions against the build before it, the change points the newest
    /// build brings (``changePointsOfNewestBuild``), and the newest build's exceeded budgets.
    package var findings: [NotificationSummary.Finding] {
        (comparison?.unacknowledgedRegressions.map { .regression($0, build: newest) } ?? [])
            + changePointsOfNewestBuild.map(NotificationSummary.Finding.changePoint)
            + unacknowledgedExceededBudgets.map { .budget($0, build: newest) }
    }
}

extension NotificationSummary.Finding {
    /// A regression of `build` (B), its means before and after.
    package static func regression(_ row: ComparisonRow, build: String) -> Self {
        Self(
            kind: .regression, id: row.id, scope: BudgetScope(row.key).description, resource: row.resource, build: build,
            before: row.a?.summary.mean, after: row.b?.summary.mean)
    }
}

extension BudgetScope {
    /// The scope a row names: `total`, `category:<name>` or the component.
    init(_ key: RowKey) {
        switch key.level {
        case .total: self = .total
        case .category: self = .category(key.category ?? .other)
        case .component: self = .component(key.name)
        }
    }
}

extension Acknowledger {
    /// Marks the change points of the ratio lines (an entry names them as it names the row's) and
    /// every build's exceeded budgets.
    mutating func markAnswers(_ analysis: inout TrendAnalysis) {
        for l in analysis.ratioLines.indices {
            for c in analysis.ratioLines[l].changePoints.indices {
                let p = analysis.ratioLines[l].changePoints[c]
                if let k = match(p.key, build: p.build) { analysis.ratioLines[l].changePoints[c].acknowledgement = acks[k].acknowledgement }
            }
        }
        for b in analysis.budgets.indices { mark(&analysis.budgets[b].statuses) }
    }
}
