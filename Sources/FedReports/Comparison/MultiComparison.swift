import FedCore
import FedStoreCore

/// One row of a comparison of three or more builds: a column per build, the change of each
/// build against the first, and the verdict of each consecutive pair.
package struct MultiRow: KeyedRow, Sendable {
    package var key: RowKey
    /// One per build, nil where the build has no data for the row.
    package var stats: [SideStats?]
    /// Each build's mean against the first build's, in percent; nil for the first build and
    /// where a side has no data (or the first is zero and the other is not).
    package var deltaPctVsFirst: [Double?]
    /// The row of each consecutive pair's comparison (builds[i] → builds[i+1]), with its
    /// verdict, test, confidence, id and acknowledgement; nil where neither build of the pair
    /// has the row.
    package var steps: [ComparisonRow?]
    /// The baseline's statistics (category and total rows of a comparison with a baseline).
    package var baseline: SideStats?
    /// The last build against the baseline, in percent of the baseline.
    package var deltaPctLastVsBaseline: Double?
}

/// Three or more builds of one distribution compared in order, each consecutive pair as
/// ``Comparer`` compares two builds (pooling, threshold, significance and confidence alike).
package struct MultiComparison: Sendable {
    package var builds: [SideInfo]
    package var baseline: SideInfo?
    package var options: CompareOptions
    /// builds[i] → builds[i+1], one comparison per consecutive pair.
    package var pairs: [Comparison]
    package var components: [MultiRow]
    package var categories: [MultiRow]
    package var totals: [MultiRow]
    /// Over every snapshot used; `lowCoverage` and `measurements` gathered from the pairs.
    package var dataQuality: DataQuality
    package var provenance: [ProvenanceEntry]
    /// Where the last build's CPU and memory go, what explains its change from the first, and
    /// each build against the baseline (one per build; empty without a baseline).
    package var targets = Targets()
    package var breakdown: [DeltaBreakdown] = []
    package var baselineRatios: [BaselineRatio] = []

    package var allRows: [MultiRow] { components + categories + totals }
    /// Every regression of every pair, in pair order.
    package var regressions: [ComparisonRow] { pairs.flatMap(\.regressions) }
    package var improvements: [ComparisonRow] { pairs.flatMap(\.improvements) }
    package var unacknowledgedRegressions: [ComparisonRow] { pairs.flatMap(\.unacknowledgedRegressions) }

    /// The pair whose B is `build`.
    package func pair(endingAt build: String) -> Comparison? { pairs.first { $0.b.build == build } }
}

extension Comparer {
    /// Compares `samples` (three or more, in the order given) pair by pair, and against `baseline`.
    package static func compare(
        _ samples: [BuildSample], baseline: BuildSample? = nil, options: CompareOptions = .init()
    )
        -> MultiComparison
    {
        precondition(samples.count >= 2, "a comparison needs two builds or more")
        let pairs = zip(samples, samples.dropFirst()).map { compare(a: $0, b: $1, baseline: baseline, options: options) }
        let pooled = samples.map { PooledSide($0.snapshots, perNode: options.perNodeComponents) }
        let pbase = baseline.map { PooledSide($0.snapshots, components: false) }
        var keys = pooled.reduce(into: Set<RowKey>()) { $0.formUnion($1.rows.keys) }
        if let pbase { keys.formUnion(pbase.rows.keys) }
        let rows = keys.sorted().map { key -> MultiRow in
            let stats = pooled.map { $0.stats(key) }
            let first = stats[0]?.summary
            let deltas = stats.enumerated().map { i, s -> Double? in
                guard i > 0, let first, let s else { return nil }
                return DeltaPct(s.summary, against: first).mean
            }
            let steps = pairs.map { pair in
                pair.allRows.first { $0.key == key }
            }
            let base = key.level == .component ? nil : pbase?.stats(key)
            var vsBase: Double?
            if let last = stats.last ?? nil, let base { vsBase = DeltaPct(last.summary, against: base.summary).mean }
            return MultiRow(
                key: key, stats: stats, deltaPctVsFirst: deltas, steps: steps, baseline: base, deltaPctLastVsBaseline: vsBase)
        }
        var sides = samples.map { (Side.b, $0) }
        if let baseline { sides.append((.baseline, baseline)) }
        var dq = dataQuality(sides: sides)
        for pair in pairs {
            for low in pair.dataQuality.lowCoverage where !dq.lowCoverage.contains(low) { dq.lowCoverage.append(low) }
        }
        // Each build once, as the side it is in the list ("1", "2", …), so a mismatch shows.
        for (i, sample) in samples.enumerated() {
            for use in measurements([(.b, sample)]) {
                var use = use
                use.side = String(i + 1)
                dq.measurements.append(use)
            }
        }
        var provenance = self.provenance(samples.map { (Side.b, $0) })
        for i in provenance.indices {
            provenance[i].side = String((samples.firstIndex { $0.build == provenance[i].build } ?? 0) + 1)
        }
        if let baseline { provenance += self.provenance([(.baseline, baseline)]) }
        var multi = MultiComparison(
            builds: samples.map(sideInfo), baseline: baseline.map(sideInfo), options: options, pairs: pairs,
            components: rows.filter { $0.level == .component }, categories: rows.filter { $0.level == .category },
            totals: rows.filter { $0.level == .total }, dataQuality: dq, provenance: provenance)
        answer(&multi, samples: samples)
        return multi
    }
}

extension Reporter {
    /// `fedreport compare A B C …`: pools every snapshot of each build that passes `selection`
    /// and compares each build with the next, and against `baseline` when given.
    package static func compare(
        store: any SnapshotStoring, builds: [String], distribution: String? = nil, baseline: String? = nil,
        selection: SnapshotSelection = .init(), options: CompareOptions = .init()
    ) throws -> MultiComparison {
        let loader = SnapshotLoader(store: store)
        let samples = try builds.map { try loader.sample(build: $0, distribution: distribution, selection: selection) }
        let sbase = try baseline.map { try loader.baseline($0, selection: selection) }
        return Comparer.compare(samples, baseline: sbase, options: options)
    }
}

extension Acknowledger {
    /// Marks the regressions and improvements of every pair.
    package mutating func mark(_ multi: inout MultiComparison) {
        for i in multi.pairs.indices { mark(&multi.pairs[i]) }
        let byKey = multi.pairs.map { pair in
            Dictionary(pair.allRows.map { ("\($0.level)|\($0.name)|\($0.resource)", $0.acknowledgement) }, uniquingKeysWith: { a, _ in a })
        }
        func refresh(_ rows: inout [MultiRow]) {
            for r in rows.indices {
                for s in rows[r].steps.indices where rows[r].steps[s] != nil {
                    let row = rows[r].steps[s]!
                    rows[r].steps[s]!.acknowledgement = byKey[s]["\(row.level)|\(row.name)|\(row.resource)"] ?? nil
                }
            }
        }
        refresh(&multi.components)
        refresh(&multi.categories)
        refresh(&multi.totals)
    }
}
