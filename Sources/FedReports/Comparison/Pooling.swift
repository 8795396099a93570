import FedCore

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
struct PooledSide {
    var rows: [RowKey: Accumulator] = [:]
    /// Σ includedTimestamps over all snapshots of the side: the denominator of coverage.
    var expected = 0

    /// Pools `snapshots`: a snapshot's category series is the sum of its components of that
    /// category, its total the sum of all its components; each is then pooled by concatenating
    /// the finite values of every snapshot.
    init(_ snapshots: [PooledSnapshot], components: Bool = true) {
        for snapshot in snapshots {
            expected += snapshot.info.includedTimestamps
            let perComponent = Self.componentSeries(of: snapshot)
            var byCategory: [RowKey: [[Double]]] = [:]
            var byTotal: [RowKey: [[Double]]] = [:]
            var membersOf: [RowKey: Set<String>] = [:]
            // Sorted so that floating-point sums run in the same order in every process.
            for (key, entry) in perComponent.sorted(by: { $0.key < $1.key }) {
                if components {
                    add(entry.values, members: entry.members, to: key, from: snapshot)
                }
                let cat = RowKey.category(key.component!.category, key.resource)
                byCategory[cat, default: []].append(entry.values)
                membersOf[cat, default: []].formUnion(entry.members)
                byTotal[.total(key.resource), default: []].append(entry.values)
            }
            for (key, list) in byCategory.sorted(by: { $0.key < $1.key }) {
                add(Self.sum(list), members: membersOf[key] ?? [], to: key, from: snapshot)
            }
            for (key, list) in byTotal.sorted(by: { $0.key < $1.key }) {
                add(Self.sum(list), members: [], to: key, from: snapshot)
            }
        }
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
    static func componentSeries(of snapshot: PooledSnapshot) -> [RowKey: (values: [Double], members: Set<String>)] {
        var lists: [RowKey: [[Double]]] = [:]
        var members: [RowKey: Set<String>] = [:]
        for s in snapshot.series {
            let key = RowKey.component(s.component, s.resource)
            lists[key, default: []].append(s.values)
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
        guard let acc = rows[key], let summary = Summary(of: acc.values, expected: expected) else { return nil }
        return SideStats(
            summary: summary, snapshots: acc.snapshotMeans.count, snapshotMeans: acc.snapshotMeans, partial: acc.partial)
    }
}
