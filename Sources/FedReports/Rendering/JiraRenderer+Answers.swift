import FedCore

/// The answers in Jira wiki markup: the largest targets, the breakdown of a change, the
/// budgets, the builds against the baseline and the budgets' headroom per build, each finding
/// with its id.
extension JiraRenderer {
    /// The `limit` largest components of each resource.
    func targets(_ t: Targets, limit: Int, build: String) -> [String] {
        guard !t.isEmpty else { return [] }
        var lines = [
            "", "h3. Where the CPU and memory go",
            e("The \(limit) largest components of \(build) by mean, with their share of the platform total."),
            "||Resource||#||Id||Component||Category||Mean||Share||Running share||Change||",
        ]
        for r in Resource.allCases {
            for (i, target) in t[r].prefix(limit).enumerated() {
                let change = target.change.map { e(ViewModel.change($0, r) + " (\(Units.deltaPct(target.changePct)))") } ?? "—"
                lines.append(
                    "|\(r == .cpu ? "CPU" : "memory")|\(i + 1)|\(target.id)|\(e(target.component.name))|\(e(target.component.category.rawValue))|"
                        + "\(v(target.mean, r))|\(share(target.share))|\(share(target.cumulativeShare))|\(change)|")
            }
        }
        return lines
    }

    func share(_ s: Double?) -> String { s.map { e(Units.percent($0, decimals: 1)) } ?? "—" }

    /// The `limit` largest contributions to each resource's change, the rest, the remainder and the total.
    func breakdown(_ list: [DeltaBreakdown], limit: Int, step: String) -> [String] {
        guard !list.isEmpty else { return [] }
        var lines = [
            "", "h3. What explains the change", e("\(step): each component's change of mean, largest first."),
            "||Resource||Id||Component||Change||",
        ]
        for b in list {
            let r = b.resource
            let word = r == .cpu ? "CPU" : "memory"
            let (shown, rest) = ViewModel.listed(b, limit: limit)
            for c in shown {
                lines.append(
                    "|\(word)|\(c.id)|\(e(c.component.name))|\(colored(ViewModel.change(c.change, r), c.change > 0 ? .regression : .improvement))|"
                )
            }
            if !rest.isEmpty {
                lines.append(
                    "|\(word)| |\(e("\(rest.count) other components"))|\(e(ViewModel.change(rest.map(\.change).reduce(0, +), r)))|")
            }
            lines.append("|\(word)| |remainder|\(e(ViewModel.change(b.remainder, r)))|")
            lines.append("|\(word)| |*platform total*|*\(e(ViewModel.change(b.totalChange, r)))*|")
        }
        return lines
    }

    /// Every budget, or with `onlyExceeded` the exceeded ones, of `build`.
    func budgets(_ statuses: [BudgetStatus], build: String, onlyExceeded: Bool) -> [String] {
        guard !statuses.isEmpty else { return [] }
        let shown = onlyExceeded ? statuses.filter(\.isExceeded) : statuses
        var lines = ["", onlyExceeded ? "h3. Budgets exceeded (\(shown.count))" : "h3. Budgets"]
        guard !shown.isEmpty else { return lines + [e("\(build) is within every budget it was measured against.")] }
        lines.append("||Id||Scope||Resource||Limit||Mean||Headroom||Status||Acknowledged||")
        for s in shown {
            let status = !s.isMeasured ? "not measured" : (s.isExceeded ? "exceeded" : "within")
            let headroom = s.headroom.map { ViewModel.change($0, s.resource) } ?? "—"
            lines.append(
                "|\(s.id)|\(e(s.scope.description))|\(s.resource == .cpu ? "CPU" : "memory")|\(v(s.limit, s.resource))|"
                    + "\(v(s.value, s.resource))|\(colored(headroom, s.isExceeded ? .regression : nil))|\(status)|"
                    + "\(s.acknowledgement.map { e("acknowledged (\($0.ticket))") } ?? " ")|")
        }
        return lines
    }

    /// A table with a row per build.
    func buildTable(_ builds: [String], labels: BuildLabels, columns: [String], cell: (Int, Int) -> String) -> [String] {
        ["||Build||" + columns.map(e).joined(separator: "||") + "||"]
            + builds.enumerated().map { i, b in "|\(e(labels(b)))|" + columns.indices.map { cell(i, $0) }.joined(separator: "|") + "|" }
    }

    /// The builds against the baseline (a column per total and category) and the budgets'
    /// headroom per build.
    func progress(_ a: TrendAnalysis) -> [String] {
        let labels = BuildLabels(a.builds)
        var lines: [String] = []
        if let base = a.baseline {
            lines += ["", "h3. \(e("Against \(base.distribution) \(base.build)"))"]
            lines += a.ratioLines.filter { $0.level == .total }.compactMap { base.sentence($0, builds: a.builds) }.map {
                "* " + e($0) + "."
            }
            let columns = a.ratioLines.sorted {
                ($0.resource, $0.level == .total ? 0 : 1, $0.key) < ($1.resource, $1.level == .total ? 0 : 1, $1.key)
            }
            lines += buildTable(a.builds, labels: labels, columns: columns.map { "\($0.name) \($0.resource == .cpu ? "CPU" : "memory") ×" })
            {
                i, c in
                let line = columns[c]
                let mark = line.changePoints.first { $0.index == i }.map { $0.direction == .regression ? "▲ " : "▼ " } ?? ""
                return line.values[i].map { e(mark + BaselineRatio.text($0)) } ?? "—"
            }
        }
        let budgets = a.budgets.compactMap { b in b.newest.map { (b, $0) } }
        if !budgets.isEmpty {
            lines += ["", "h3. Budget headroom per build"]
            lines += buildTable(
                a.builds, labels: labels,
                columns: budgets.map {
                    "\($0.1.scope) \($0.1.resource == .cpu ? "CPU" : "memory") ≤ \(Units.value($0.1.limit, $0.1.resource))"
                }
            ) { i, c in
                let s = budgets[c].0.statuses[i]
                guard let h = s.headroom else { return "—" }
                return colored(ViewModel.change(h, s.resource), s.isExceeded ? .regression : nil)
            }
        }
        return lines
    }

    /// The full names of the builds shortened in the tables.
    func legend(_ builds: [String]) -> [String] {
        let labels = BuildLabels(builds)
        guard !labels.isEmpty else { return [] }
        return ["", "h3. Builds", "||Build||Full name||"] + labels.legend.map { "|\(e($0.label))|\(e($0.build))|" }
    }
}
