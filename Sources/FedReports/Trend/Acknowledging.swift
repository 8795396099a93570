import FedCore

/// An entry of `acks.yaml` that matched nothing a run reported: it went stale (the change was
/// fixed, or the entry names the wrong build), which is worth a warning but never an error.
package struct StaleAck: Sendable, Equatable {
    package var ack: Ack
    /// Whether the ack's build was among the builds the run looked at; for a budget, whether the
    /// run held any build against that budget.
    package var buildReported: Bool

    /// The warning, without the file name.
    package var message: String {
        if ack.kind == .budget {
            let why =
                buildReported
                ? "the budget is not exceeded in this report" : "no budget of \(ack.target) \(ack.resource.rawValue) is in this report"
            return "entry \(ack.entry) (\(ack.summary)) matches no exceeded budget: \(why). It went stale; remove it or fix it."
        }
        let why =
            buildReported
            ? "nothing at that build is a regression or a change point"
            : "build \(ack.build) is not among the builds of this report"
        return "entry \(ack.entry) (\(ack.summary)) matches no regression or change point: \(why). It went stale; remove it or fix it."
    }
}

extension Ack {
    /// Whether the entry names the row `key` starting at `build`.
    func matches(_ key: RowKey, build: String) -> Bool {
        guard kind == .change, key.resource == resource, build == self.build else { return false }
        switch target {
        case .component(let component): return key.level == .component && key.name == component
        case .category(let c): return key.level == .category && key.category == c
        case .total: return key.level == .total
        }
    }

    var acknowledgement: Acknowledgement { Acknowledgement(reason: reason, ticket: ticket) }
}

/// Marks acknowledged regressions and change points, and finds the entries that matched nothing.
package struct Acknowledger: Sendable {
    package let acks: [Ack]
    /// Indices into `acks` of the entries that matched something.
    package private(set) var used = Set<Int>()
    /// Every build the marked reports covered.
    package private(set) var builds = Set<String>()
    /// Every budget the marked statuses held a build against, as "<scope> <resource>".
    package private(set) var budgets = Set<String>()

    package init(acks: [Ack]) { self.acks = acks }

    /// Marks the regressions and improvements of `comparison` that an entry names with B's build.
    package mutating func mark(_ comparison: inout Comparison) {
        builds.formUnion([comparison.a.build, comparison.b.build])
        func markRows(_ rows: inout [ComparisonRow]) {
            for i in rows.indices where rows[i].verdict == .regression || rows[i].verdict == .improvement {
                if let k = match(rows[i].key, build: comparison.b.build) {
                    rows[i].acknowledgement = acks[k].acknowledgement
                }
            }
        }
        markRows(&comparison.components)
        markRows(&comparison.categories)
        markRows(&comparison.totals)
        mark(&comparison.budgets)
    }

    /// Marks the change points that an entry names with their first build, with the build their
    /// id is keyed on (where the change first showed, so that an ack written then carries over
    /// when the change moves), or, while a point is provisional, with any build of its range.
    package mutating func mark(_ analysis: inout TrendAnalysis) {
        builds.formUnion(analysis.builds)
        for l in analysis.lines.indices {
            for c in analysis.lines[l].changePoints.indices {
                let p = analysis.lines[l].changePoints[c]
                var named = [p.build, p.idBuild]
                if let until = p.provisionalUntil, let last = analysis.builds.lastIndex(of: until), last >= p.index {
                    named += analysis.builds[p.index...last]
                }
                if let k = match(p.key, builds: named) {
                    analysis.lines[l].changePoints[c].acknowledgement = acks[k].acknowledgement
                }
            }
        }
        markAnswers(&analysis)
    }

    /// Marks the exceeded budgets that an entry names with their scope and resource.
    package mutating func mark(_ statuses: inout [BudgetStatus]) {
        for i in statuses.indices {
            let s = statuses[i]
            budgets.insert("\(s.scope) \(s.resource.rawValue)")
            guard s.isExceeded,
                let k = acks.firstIndex(where: { $0.kind == .budget && $0.target == s.scope && $0.resource == s.resource })
            else { continue }
            used.insert(k)
            statuses[i].acknowledgement = acks[k].acknowledgement
        }
    }

    /// The entries that matched nothing in what was marked, in file order.
    package var stale: [StaleAck] {
        acks.indices.filter { !used.contains($0) }.map { k in
            let ack = acks[k]
            let reported =
                ack.kind == .budget ? budgets.contains("\(ack.target) \(ack.resource.rawValue)") : builds.contains(ack.build)
            return StaleAck(ack: ack, buildReported: reported)
        }
    }

    mutating func match(_ key: RowKey, build: String) -> Int? {
        match(key, builds: [build])
    }

    private mutating func match(_ key: RowKey, builds named: [String]) -> Int? {
        guard let k = acks.firstIndex(where: { ack in named.contains { ack.matches(key, build: $0) } }) else { return nil }
        used.insert(k)
        return k
    }
}
