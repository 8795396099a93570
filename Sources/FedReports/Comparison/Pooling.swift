import FedCore
import FedStoreCore

/// Samples of one row gathered over the snapshots of one side.
struct Accumulator {
    var values: [Double] = []
    /// Per pooled run with a value for the row (overlapping snapshots of a cluster are one run,
    /// see ``OverlapPlan``), in the order of its first snapshot: the sum and count of its values.
    var runs: [(run: Int, sum: Double, count: Int)] = []
    var partial = false
    var members = Set<String>()
    /// Timestamps that counted but where the row was left out (a member without a value).
    var leftOut = 0

    /// The mean of each run, in run order: what the significance test takes as independent.
    var snapshotMeans: [Double] { runs.map { $0.sum / Double($0.count) } }
}

/// The pooled figures of one side: every row key it has a series for.
///
/// Overlapping snapshots of a cluster are pooled as one run over the union of their timestamps
/// (``OverlapPlan``): each stretch of time counts once, whatever the steps, and the run counts
/// once among the side's snapshots.
///
/// A category or total of a snapshot is computed by ``combineSeries``: at a timestamp only where
/// every component of the snapshot that feeds it has a value; where some have one and others
/// not (or one is left out) the timestamp is left out for the row, never summed short.
struct PooledSide {
    var rows: [RowKey: Accumulator] = [:]
    /// Σ counted timestamps over all snapshots of the side, after the overlap reduction.
    var expected = 0
    /// Per row: Σ counted timestamps (after the overlap reduction) over the snapshots whose
    /// cluster has the row in at least one of the side's snapshots: the denominator of coverage.
    var expectedByRow: [RowKey: Int] = [:]
    /// Whether any snapshot pooled into the side is partial: then every row of the side is.
    var anyPartial = false

    /// Per-node component rows that had a snapshot without a node count, which stayed whole.
    var undivided: Set<RowKey> = []

    /// `perNode`: components whose rows are divided by each snapshot's node count (their
    /// categories and the totals stay whole).
    init(_ snapshots: [PooledSnapshot], components: Bool = true, perNode: Set<String> = []) {
        let plan = OverlapPlan(snapshots)
        var includedOfCluster: [String: Int] = [:]
        var keysOfCluster: [String: Set<RowKey>] = [:]
        for (index, snapshot) in snapshots.enumerated() {
            let cluster = snapshot.info.cluster
            let count = snapshot.info.grid.count
            let run = plan.run[index]
            let counted = Self.includedMask(of: snapshot).subtracting(plan.dropped[index])
            let included = Self.countedTimestamps(of: snapshot, dropped: plan.dropped[index])
            expected += included
            includedOfCluster[cluster, default: 0] += included
            if snapshot.info.partial { anyPartial = true }
            let perComponent = Self.componentSeries(of: snapshot, keeping: counted)
            var byCategory: [RowKey: [ComponentSeries]] = [:]
            var byTotal: [RowKey: [ComponentSeries]] = [:]
            // Sorted so that floating-point sums run in the same order in every process.
            for (key, series) in perComponent.sorted(by: { $0.key < $1.key }) {
                if components {
                    var values = series.values
                    if let name = key.component?.name, perNode.contains(name) {
                        if let nodes = snapshot.info.nodes?.count, nodes > 0 {
                            values = values.map { $0 / Double(nodes) }
                        } else {
                            undivided.insert(key)
                        }
                    }
                    add(values, leftOut: series.leftOut.population, members: Set(series.members), to: key, from: snapshot, run: run)
                    keysOfCluster[cluster, default: []].insert(key)
                }
                byCategory[.category(key.component!.category, key.resource), default: []].append(series)
                byTotal[.total(key.resource), default: []].append(series)
            }
            for (key, list) in byCategory.sorted(by: { $0.key < $1.key }) + byTotal.sorted(by: { $0.key < $1.key }) {
                let combined = combineSeries(list, count: count, included: counted)
                let members = key.level == .category ? Set(list.flatMap(\.members)) : []
                add(combined.values, leftOut: combined.leftOut.population, members: members, to: key, from: snapshot, run: run)
                keysOfCluster[cluster, default: []].insert(key)
            }
        }
        for (cluster, keys) in keysOfCluster {
            let included = includedOfCluster[cluster] ?? 0
            for key in keys { expectedByRow[key, default: 0] += included }
        }
    }

    /// The grid points that count for a snapshot: its stored mask, or for snapshots stored
    /// before masks were kept, the points where any of its components has a value.
    static func includedMask(of snapshot: PooledSnapshot) -> GridMask {
        let count = snapshot.info.grid.count
        if let mask = snapshot.info.included, mask.count == count { return mask }
        var mask = GridMask(count: count)
        for series in snapshot.series where series.values.count == count {
            for i in 0..<count where series.values[i].isFinite { mask[i] = true }
        }
        return mask
    }

    /// The timestamps of `snapshot` that count once the points in `dropped` are left out.
    /// Snapshots from before masks were stored know only how many points counted; their points
    /// with a value stand in for the mask, which can only leave coverage lower.
    static func countedTimestamps(of snapshot: PooledSnapshot, dropped: GridMask) -> Int {
        let mask = includedMask(of: snapshot)
        guard snapshot.info.included == nil else { return mask.subtracting(dropped).population }
        return max(0, snapshot.info.includedTimestamps - mask.intersection(dropped).population)
    }

    private mutating func add(
        _ values: [Double], leftOut: Int, members: Set<String>, to key: RowKey, from snapshot: PooledSnapshot, run: Int
    ) {
        var acc = rows[key] ?? Accumulator()
        var sum = 0.0
        var n = 0
        for v in values where v.isFinite {
            acc.values.append(v)
            sum += v
            n += 1
        }
        if n > 0 {
            if let k = acc.runs.firstIndex(where: { $0.run == run }) {
                acc.runs[k].sum += sum
                acc.runs[k].count += n
            } else {
                acc.runs.append((run, sum, n))
            }
        }
        if snapshot.info.partial { acc.partial = true }
        acc.members.formUnion(members)
        acc.leftOut += leftOut
        rows[key] = acc
    }

    /// The component series of a snapshot keyed by (component, resource), with every point
    /// outside `counted` (timestamps that do not count for it, or that another snapshot counts)
    /// emptied, so no value can stand where no timestamp is expected; a component listed twice
    /// is combined like any sum. A series of the wrong length is cut or padded with no value, so
    /// that a malformed snapshot degrades coverage instead of stopping the report.
    static func componentSeries(of snapshot: PooledSnapshot, keeping counted: GridMask? = nil) -> [RowKey: ComponentSeries] {
        let count = snapshot.info.grid.count
        var lists: [RowKey: [ComponentSeries]] = [:]
        for s in snapshot.series {
            var series = s
            if series.values.count != count || series.leftOut.count != count {
                let values = (0..<count).map { $0 < s.values.count ? s.values[$0] : .nan }
                let bits = (0..<count).map { $0 < s.leftOut.count && s.leftOut[$0] }
                series = ComponentSeries(
                    component: s.component, resource: s.resource, values: values, leftOut: GridMask(bits), members: s.members)
            }
            if let counted {
                for i in 0..<count where !counted[i] {
                    series.values[i] = .nan
                    series.leftOut[i] = false
                }
            }
            lists[.component(s.component, s.resource), default: []].append(series)
        }
        return lists.mapValues { list in
            guard list.count > 1 else { return list[0] }
            let combined = combineSeries(list, count: count)
            return ComponentSeries(
                component: list[0].component, resource: list[0].resource, values: combined.values, leftOut: combined.leftOut,
                members: Array(Set(list.flatMap(\.members))).sorted())
        }
    }

    /// The side's statistics for `key`, nil when it has no sample there.
    func stats(_ key: RowKey) -> SideStats? {
        guard let acc = rows[key], let summary = Summary(of: acc.values, expected: expectedByRow[key] ?? expected)
        else { return nil }
        return SideStats(
            summary: summary, snapshots: acc.snapshotMeans.count, snapshotMeans: acc.snapshotMeans,
            partial: acc.partial || anyPartial, leftOutTimestamps: acc.leftOut)
    }
}

/// How the snapshots of one side overlap, and what pooling does about it.
///
/// The snapshots of a cluster are taken in priority order: complete before partial, then newest
/// `collectedAt` first, then highest id. A snapshot's grid points inside the window (`start` to
/// `end`, both included) of a snapshot before it in that order are dropped, whatever the two
/// steps: each stretch of time counts once, with the points of the snapshot that has it. What is
/// left of the snapshots is their union.
///
/// Snapshots of a cluster whose windows overlap by more than an instant (a re-run of the same
/// hours, a longer window over a shorter one, another step over the same hours) are one run:
/// one snapshot mean over their union in the significance test, one snapshot in the side's
/// count. Windows that only share an end point (`D..D+1` and `D+1..D+2`) stay two runs; the
/// shared point counts once.
struct OverlapPlan {
    /// Per snapshot, in input order: the grid points dropped because they lie in the window of a
    /// snapshot of the same cluster that comes before it in priority order.
    var dropped: [GridMask]
    /// Per snapshot: the run it is pooled into, numbered from 0 in the order of each run's first
    /// snapshot.
    var run: [Int]
    /// The snapshots of each run of two or more, in priority order (the first wins), in the order
    /// of the runs.
    var groups: [[Int]]
    /// How many runs the snapshots make.
    var runCount: Int

    init(_ snapshots: [PooledSnapshot]) {
        dropped = snapshots.map { GridMask(count: $0.info.grid.count) }
        var parent = Array(snapshots.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var ordered: [[Int]] = []
        let byCluster = Dictionary(grouping: snapshots.indices, by: { snapshots[$0].info.cluster })
        for cluster in byCluster.keys.sorted() {
            let indices = Self.priorityOrder(byCluster[cluster]!, snapshots)
            ordered.append(indices)
            var before: [(start: TimestampMs, end: TimestampMs)] = []
            for index in indices {
                let info = snapshots[index].info
                let grid = info.grid
                for i in 0..<grid.count {
                    let t = grid.timestamp(at: i)
                    if before.contains(where: { $0.start <= t && t <= $0.end }) { dropped[index][i] = true }
                }
                for other in indices where other != index {
                    let o = snapshots[other].info
                    if max(o.start, info.start) < min(o.end, info.end) { parent[root(other)] = root(index) }
                }
                before.append((info.start, info.end))
            }
        }
        var number: [Int: Int] = [:]
        run = snapshots.indices.map { i in
            let r = root(i)
            if let n = number[r] { return n }
            number[r] = number.count
            return number.count - 1
        }
        runCount = number.count
        var members = [[Int]](repeating: [], count: runCount)
        for indices in ordered { for i in indices { members[run[i]].append(i) } }
        groups = members.filter { $0.count > 1 }
    }

    /// `indices` of one cluster's snapshots in priority order.
    static func priorityOrder(_ indices: [Int], _ snapshots: [PooledSnapshot]) -> [Int] {
        indices.sorted { x, y in
            let a = snapshots[x].info
            let b = snapshots[y].info
            if a.partial != b.partial { return !a.partial }
            if a.collectedAt != b.collectedAt { return a.collectedAt > b.collectedAt }
            if a.id != b.id { return a.id > b.id }
            return x < y
        }
    }
}
