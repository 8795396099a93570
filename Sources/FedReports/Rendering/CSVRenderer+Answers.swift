import FedCore

/// The answers in CSV, as rows of their own after a report's rows, told apart by `side`
/// (docs/report-formats.md): `target` (one per component and resource: `mean`, `share`,
/// `cumulative_share`, `change`, `delta_pct_mean`, `baseline_mean` of its category, `rank`),
/// `breakdown` (per resource, one per component with its `change`, then a `remainder` row and a
/// `total` row with `mean_before`, `mean` and `change`), `baseline-ratio` (per total and category
/// and build: `mean`, `baseline_mean`, `baseline_ratio`) and `budget` (per budget and build:
/// `mean` is the value, `limit`, `headroom`, `exceeded`, `id`, `acknowledged`).
extension CSVRenderer {
    /// A line from cells by column name; the columns not named are empty.
    func line(_ named: [String: Cell]) -> String { line(Self.columns.map { named[$0] ?? .text("") }) }

    /// The cells that say what a row is about.
    func about(_ key: RowKey, side: String, build: String, distribution: String) -> [String: Cell] {
        [
            "level": .text(key.level.rawValue), "component": .text(key.level == .component ? key.name : ""),
            "category": .text(key.category?.rawValue ?? ""), "resource": .text(key.resource.rawValue), "unit": .text(key.resource.unit),
            "side": .text(side), "build": .text(build), "distribution": .text(distribution),
        ]
    }

    func targetRows(_ targets: Targets, build: String, distribution: String) -> String {
        Resource.allCases.flatMap { r in
            targets[r].enumerated().map { i, t in
                var cells = about(.component(t.component, r), side: "target", build: build, distribution: distribution)
                cells["mean"] = .number(t.mean)
                cells["share"] = .number(t.share)
                cells["cumulative_share"] = .number(t.cumulativeShare)
                cells["change"] = .number(t.change)
                cells["delta_pct_mean"] = .number(t.changePct)
                cells["baseline_mean"] = .number(t.baselineCategoryMean)
                cells["id"] = .text(t.id)
                cells["rank"] = .int(i + 1)
                return line(cells)
            }
        }.joined()
    }

    func breakdownRows(_ list: [DeltaBreakdown], build: String, distribution: String) -> String {
        list.flatMap { b in
            var lines = b.contributions.enumerated().map { i, c in
                var cells = about(.component(c.component, b.resource), side: "breakdown", build: build, distribution: distribution)
                cells["change"] = .number(c.change)
                cells["id"] = .text(c.id)
                cells["rank"] = .int(i + 1)
                return line(cells)
            }
            var remainder = about(.total(b.resource), side: "breakdown", build: build, distribution: distribution)
            remainder["level"] = .text("remainder")
            remainder["change"] = .number(b.remainder)
            lines.append(line(remainder))
            var total = about(.total(b.resource), side: "breakdown", build: build, distribution: distribution)
            total["mean_before"] = .number(b.before)
            total["mean"] = .number(b.after)
            total["change"] = .number(b.totalChange)
            lines.append(line(total))
            return lines
        }.joined()
    }

    /// `baseline-ratio` rows of one build: its mean and the baseline's of every total and category both have.
    func ratioRows(_ ratio: BaselineRatio, build: String, distribution: String, means: SideMeans, baseline: SideMeans) -> String {
        baseline.values.keys.filter { ratio[$0] != nil }.sorted { ($0.level == .total ? 0 : 1, $0) < ($1.level == .total ? 0 : 1, $1) }
            .map { key in
                var cells = about(key, side: "baseline-ratio", build: build, distribution: distribution)
                cells["mean"] = .number(means[key])
                cells["baseline_mean"] = .number(baseline[key])
                cells["baseline_ratio"] = .number(ratio[key])
                return line(cells)
            }.joined()
    }

    func budgetRows(_ statuses: [BudgetStatus], build: String, distribution: String) -> String {
        statuses.map { s in
            let key: RowKey =
                switch s.scope {
                case .total: .total(s.resource)
                case .category(let c): .category(c, s.resource)
                case .component(let name): .component(ComponentRef(name: name, category: .other), s.resource)
                }
            var cells = about(key, side: "budget", build: build, distribution: distribution)
            if case .component = s.scope { cells["category"] = .text("") }
            cells["mean"] = .number(s.value)
            cells["limit"] = .number(s.limit)
            cells["headroom"] = .number(s.headroom)
            cells["exceeded"] = .text(s.exceeded.map { $0 ? "true" : "false" } ?? "")
            cells["id"] = .text(s.id)
            cells["acknowledged"] = .text(s.acknowledgement?.ticket ?? "")
            return line(cells)
        }.joined()
    }

    /// The answer rows of a comparison: B's targets, the breakdown, B against the baseline, B's budgets.
    func answerRows(_ c: Comparison) -> String {
        var out = targetRows(c.targets, build: c.b.build, distribution: c.b.distribution)
        out += breakdownRows(c.breakdown, build: c.b.build, distribution: c.b.distribution)
        if let ratio = c.baselineRatio {
            let means = SideMeans(c.allRows.compactMap { r in r.b.map { (r.key, $0.summary.mean) } })
            let base = SideMeans(c.allRows.compactMap { r in r.baseline.map { (r.key, $0.summary.mean) } })
            out += ratioRows(ratio, build: c.b.build, distribution: c.b.distribution, means: means, baseline: base)
        }
        return out + budgetRows(c.budgets, build: c.b.build, distribution: c.b.distribution)
    }

    /// The answer rows of a trend: each build against the baseline (with the build's `mean` where
    /// `trends` has it), the change points of the ratio (`statistic` `baseline-ratio`), each
    /// build against the budgets.
    func answerRows(_ a: TrendAnalysis, trends: [TrendSeries] = []) -> String {
        var out = ""
        if let base = a.baseline {
            for (i, build) in a.builds.enumerated() {
                for line in a.ratioLines {
                    guard let ratio = line.values[i] else { continue }
                    var cells = about(line.key, side: "baseline-ratio", build: build, distribution: a.distribution)
                    cells["mean"] = .number(trends.first { $0.key == line.key }?.points[i].stats?.summary.mean)
                    cells["baseline_mean"] = .number(base.means[line.key])
                    cells["baseline_ratio"] = .number(ratio)
                    out += self.line(cells)
                }
            }
            for line in a.ratioLines {
                for c in line.changePoints {
                    var cells = about(c.key, side: "change-point", build: c.build, distribution: a.distribution)
                    cells["mean"] = .number(c.meanAfter)
                    cells["mean_before"] = .number(c.meanBefore)
                    cells["delta_pct_mean"] = .number(c.changePct)
                    cells["verdict"] = .text(c.direction.rawValue)
                    cells["p_value"] = .number(c.pValue)
                    cells["id"] = .text(c.id)
                    cells["acknowledged"] = .text(c.acknowledgement?.ticket ?? "")
                    cells["statistic"] = .text("baseline-ratio")
                    out += self.line(cells)
                }
            }
        }
        for (i, build) in a.builds.enumerated() {
            out += budgetRows(a.budgets.map { $0.statuses[i] }, build: build, distribution: a.distribution)
        }
        return out
    }

    /// The answer rows of a periodic report: the newest build's targets, the breakdown of its
    /// change from the build before, then those of its trend.
    func answerRows(_ r: PeriodicReport) -> String {
        targetRows(r.targets, build: r.newest, distribution: r.distribution)
            + breakdownRows(r.comparison?.breakdown ?? [], build: r.newest, distribution: r.distribution)
            + answerRows(r.changes, trends: r.trends)
    }

    /// The answer rows of a comparison of several builds: the last build's targets, its
    /// breakdown against the first, each build against the baseline, the last build's budgets.
    func answerRows(_ m: MultiComparison) -> String {
        guard let last = m.builds.last else { return "" }
        var out = targetRows(m.targets, build: last.build, distribution: last.distribution)
        out += breakdownRows(m.breakdown, build: last.build, distribution: last.distribution)
        let base = SideMeans(m.allRows.compactMap { r in r.baseline.map { (r.key, $0.summary.mean) } })
        for (i, (build, ratio)) in zip(m.builds, m.baselineRatios).enumerated() {
            let means = SideMeans(m.allRows.compactMap { r in r.stats[i].map { (r.key, $0.summary.mean) } })
            out += ratioRows(ratio, build: build.build, distribution: build.distribution, means: means, baseline: base)
        }
        return out + budgetRows(m.budgets, build: last.build, distribution: last.distribution)
    }
}
