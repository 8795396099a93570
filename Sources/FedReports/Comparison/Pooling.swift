import FedCore
import FedStoreCore

/// Samples of one row gathered over the snapshots of one side.
struct Accumulator {
    var values: [Double] = []
    var snapshotMeans: [Double] = []
    var partial = false
    var members = Set<String>()
    /// Timestamps that counted but where the row was left out (a member without a value).
    var leftOut = 0
}

/// The pooled figures of one side: every row key it has a series for.
///
/// Each (cluster, timestamp) is counted once: the snapshots of a cluster are taken in priority
/// order (complete before partial, then newest `collectedAt` first, then highest id), and a
/// snapshot's values at grid timestamps that a snapshot taken before it already covers are left
/// out, as are those of its counted timestamps from its `includedTimestamps`.
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
        let masks = Self.overlapMasks(snapshots)
        var includedOfCluster: [String: Int] = [:]
        var keysOfCluster: [String: Set<RowKey>] = [:]
        for (index, snapshot) in snapshots.enumerated() {
            let cluster = snapshot.info.cluster
            let count = snapshot.info.grid.count
            let dropped = masks[index]
            let counted = Self.includedMask(of: snapshot).subtracting(dropped)
            // Snapshots from before masks were stored know only how many points counted; their
            // points with a value stand in for the mask, which can only leave coverage lower.
            let included =
                snapshot.info.included != nil
                ? counted.population
                : max(0, snapshot.info.includedTimestamps - Self.includedMask(of: snapshot).intersection(dropped).population)
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
                    add(values, leftOut: series.leftOut.population, members: Set(series.members), to: key, from: snapshot)
                    keysOfCluster[cluster, default: []].insert(key)
                }
                byCategory[.category(key.component!.category, key.resource), default: []].append(series)
                byTotal[.total(key.resource), default: []].append(series)
            }
            for (key, list) in byCategory.sorted(by: { $0.key < $1.key }) + byTotal.sorted(by: { $0.key < $1.key }) {
                let combined = combineSeries(list, count: count, included: counted)
                let members = key.level == .category ? Set(list.flatMap(\.members)) : []
                add(combined.values, leftOut: combined.leftOut.population, members: members, to: key, from: snapshot)
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

    /// For each snapshot (in input order): the grid points to leave out because a snapshot of
    /// the same cluster taken earlier in priority order already covers their timestamps. A
    /// snapshot covers the timestamps of its whole grid (start, start + step, …, end), with or
    /// without data there; timestamps are compared exactly, so grids of different steps overlap
    /// only where they meet.
    static func overlapMasks(_ snapshots: [PooledSnapshot]) -> [GridMask] {
        var out = snapshots.map { GridMask(count: $0.info.grid.count) }
        let byCluster = Dictionary(grouping: snapshots.indices, by: { snapshots[$0].info.cluster })
        for (_, indices) in byCluster where indices.count > 1 {
            let ordered = indices.sorted { x, y in
                let a = snapshots[x].info
                let b = snapshots[y].info
                if a.partial != b.partial { return !a.partial }
                if a.collectedAt != b.collectedAt { return a.collectedAt > b.collectedAt }
                if a.id != b.id { return a.id > b.id }
                return x < y
            }
            var covered = Set<TimestampMs>()
            for index in ordered {
                let grid = snapshots[index].info.grid
                for i in 0..<grid.count where covered.contains(grid.timestamp(at: i)) { out[index][i] = true }
                for i in 0..<grid.count { covered.insert(grid.timestamp(at: i)) }
            }
        }
        return out
    }

    private mutating func add(_ values: [Double], leftOut: Int, members: Set<String>, to key: RowKey, from snapshot: PooledSnapshot) {
        var acc = rows[key] ?? Accumulator()
        var sum = 0.0
        var n = 0
        for v in values where v.isFinite {
            acc.values.append(v)
            sum += v
            n += 1
        }
        if n > 0 { acc.snapshotMeans.append(sum / Double(n)) }
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
