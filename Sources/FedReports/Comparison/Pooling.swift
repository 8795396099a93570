import FedCore
import FedStore

/// Identifies what a row measures.
struct RowKey: Hashable, Comparable {
    var level: RowLevel
    var component: ComponentRef?
    var category: Category?
    var resource: Resource

    static func component(_ c: ComponentRef, _ r: Resource) -> RowKey {
        RowKey(level: .component, component: c, category: c.category, resource: r)
    }
    static func category(_ c: Category, _ r: Resource) -> RowKey {
        RowKey(level: .category, component: nil, category: c, resource: r)
    }
    static func total(_ r: Resource) -> RowKey { RowKey(level: .total, component: nil, category: nil, resource: r) }

    static func < (x: RowKey, y: RowKey) -> Bool {
        if x.level != y.level {
            return RowLevel.allCases.firstIndex(of: x.level)! < RowLevel.allCases.firstIndex(of: y.level)!
        }
        if x.category != y.category {
            guard let xc = x.category else { return true }
            guard let yc = y.category else { return false }
            return xc < yc
        }
        if x.component?.name != y.component?.name { return (x.component?.name ?? "") < (y.component?.name ?? "") }
        return x.resource < y.resource
    }
}

/// Samples of one row gathered over the snapshots of one side.
struct Accumulator {
    var values: [Double] = []
    var snapshotMeans: [Double] = []
    var partial = false
    var members = Set<String>()
}

/// The pooled figures of one side: every row key it has a series for.
///
/// Each (cluster, timestamp) is counted once: the snapshots of a cluster are taken in priority
/// order (complete before partial, then newest `collectedAt` first, then highest id), and a
/// snapshot's values at grid timestamps that a snapshot taken before it already covers are left
/// out, as is that overlap from its `includedTimestamps`.
struct PooledSide {
    var rows: [RowKey: Accumulator] = [:]
    /// Σ includedTimestamps over all snapshots of the side, after the overlap reduction.
    var expected = 0
    /// Per row: Σ includedTimestamps (after the overlap reduction) over the snapshots whose
    /// cluster has the row in at least one of the side's snapshots: the denominator of coverage.
    var expectedByRow: [RowKey: Int] = [:]
    /// Whether any snapshot pooled into the side is partial: then every row of the side is.
    var anyPartial = false

    /// Pools `snapshots`: a snapshot's category series is the sum of its components of that
    /// category, its total the sum of all its components; each is then pooled by concatenating
    /// the finite values of every snapshot, after removing the timestamps of the snapshot that
    /// another snapshot of the same cluster covers (see `overlapMasks`).
    init(_ snapshots: [PooledSnapshot], components: Bool = true) {
        let masks = Self.overlapMasks(snapshots)
        var includedOfCluster: [String: Int] = [:]
        var keysOfCluster: [String: Set<RowKey>] = [:]
        for (index, snapshot) in snapshots.enumerated() {
            let cluster = snapshot.info.cluster
            let included = max(0, snapshot.info.includedTimestamps - masks[index].overlapped)
            expected += included
            includedOfCluster[cluster, default: 0] += included
            if snapshot.info.partial { anyPartial = true }
            let perComponent = Self.componentSeries(of: snapshot, dropping: masks[index].dropped)
            var byCategory: [RowKey: [[Double]]] = [:]
            var byTotal: [RowKey: [[Double]]] = [:]
            var membersOf: [RowKey: Set<String>] = [:]
            // Sorted so that floating-point sums run in the same order in every process.
            for (key, entry) in perComponent.sorted(by: { $0.key < $1.key }) {
                if components {
                    add(entry.values, members: entry.members, to: key, from: snapshot)
                    keysOfCluster[cluster, default: []].insert(key)
                }
                let cat = RowKey.category(key.component!.category, key.resource)
                byCategory[cat, default: []].append(entry.values)
                membersOf[cat, default: []].formUnion(entry.members)
                byTotal[.total(key.resource), default: []].append(entry.values)
            }
            for (key, list) in byCategory.sorted(by: { $0.key < $1.key }) {
                add(Self.sum(list), members: membersOf[key] ?? [], to: key, from: snapshot)
                keysOfCluster[cluster, default: []].insert(key)
            }
            for (key, list) in byTotal.sorted(by: { $0.key < $1.key }) {
                add(Self.sum(list), members: [], to: key, from: snapshot)
                keysOfCluster[cluster, default: []].insert(key)
            }
        }
        for (cluster, keys) in keysOfCluster {
            let included = includedOfCluster[cluster] ?? 0
            for key in keys { expectedByRow[key, default: 0] += included }
        }
    }

    /// For each snapshot (in input order): the indices of its values to leave out because a
    /// snapshot of the same cluster taken earlier in priority order already covers their
    /// timestamps, and how many of its grid points are so covered. A snapshot covers the
    /// timestamps of its whole grid (start, start + step, …, end), with or without data there;
    /// timestamps are compared exactly, so grids of different steps overlap only where they meet.
    static func overlapMasks(_ snapshots: [PooledSnapshot]) -> [(dropped: Set<Int>, overlapped: Int)] {
        var out = [(dropped: Set<Int>, overlapped: Int)](repeating: ([], 0), count: snapshots.count)
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
                let info = snapshots[index].info
                let grid = gridTimestamps(info)
                var dropped = Set<Int>()
                for (i, t) in grid.enumerated() where covered.contains(t) { dropped.insert(i) }
                out[index] = (dropped, dropped.count)
                covered.formUnion(grid)
            }
        }
        return out
    }

    /// The grid of a snapshot, both ends included; a snapshot without a positive step or with
    /// its end before its start has the single timestamp `start`.
    static func gridTimestamps(_ info: SnapshotRecord) -> [TimestampMs] {
        guard info.step > 0, info.end >= info.start else { return [info.start] }
        return Array(stride(from: info.start, through: info.end, by: Int(info.step)))
    }

    private mutating func add(_ values: [Double], members: Set<String>, to key: RowKey, from snapshot: PooledSnapshot) {
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
        rows[key] = acc
    }

    /// The component series of a snapshot keyed by (component, resource); duplicates are summed.
    /// Values at the indices in `dropped` become NaN (timestamps another snapshot counts).
    static func componentSeries(
        of snapshot: PooledSnapshot, dropping dropped: Set<Int> = []
    ) -> [RowKey: (values: [Double], members: Set<String>)] {
        var lists: [RowKey: [[Double]]] = [:]
        var members: [RowKey: Set<String>] = [:]
        for s in snapshot.series {
            let key = RowKey.component(s.component, s.resource)
            var values = s.values
            for i in dropped where i < values.count { values[i] = .nan }
            lists[key, default: []].append(values)
            members[key, default: []].formUnion(s.members)
        }
        var out: [RowKey: (values: [Double], members: Set<String>)] = [:]
        for (key, list) in lists {
            out[key] = (list.count == 1 ? list[0] : sum(list), members[key] ?? [])
        }
        return out
    }

    /// `sumSeries` over series that should share one grid; a short series is padded with NaN so
    /// that a malformed snapshot degrades coverage instead of stopping the report.
    static func sum(_ list: [[Double]]) -> [Double] {
        let count = list.map(\.count).max() ?? 0
        let padded = list.map { $0.count == count ? $0 : $0 + [Double](repeating: .nan, count: count - $0.count) }
        return sumSeries(padded, count: count)
    }

    /// The side's statistics for `key`, nil when it has no sample there.
    func stats(_ key: RowKey) -> SideStats? {
        guard let acc = rows[key], let summary = Summary(of: acc.values, expected: expectedByRow[key] ?? expected)
        else { return nil }
        return SideStats(
            summary: summary, snapshots: acc.snapshotMeans.count, snapshotMeans: acc.snapshotMeans,
            partial: acc.partial || anyPartial)
    }
}
