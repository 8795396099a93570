import FedCore
import Foundation

/// Views of the answers (`Answers/`): targets, breakdowns, budgets, the builds against the
/// baseline, the trend tables with a row per build, and the legend of shortened build names.
extension ViewModel {
    /// Components listed by name in the tables of targets and breakdowns; the rest are one line.
    static let answerRows = 10
    /// Components drawn in a Pareto chart.
    static let paretoBars = 15

    // MARK: Targets, breakdown, budgets

    /// The answers of one build: `targets` of `build`, `breakdown` of `step`, `budgets`.
    func answers(
        targets: Targets, breakdown: [DeltaBreakdown], budgets: [BudgetStatus], build: String, step: String, baseline: String?,
        hasChange: Bool
    ) -> AnswersView {
        let targetViews = Resource.allCases.compactMap { r in
            targets[r].isEmpty ? nil : self.targets(targets[r], resource: r, hasChange: hasChange, baseline: baseline)
        }
        let exceeded = budgets.filter(\.isExceeded)
        let acknowledged = exceeded.filter { $0.acknowledgement != nil }.count
        let unmeasured = budgets.filter { !$0.isMeasured }.count
        var summary =
            exceeded.isEmpty
            ? "\(build) is within \(budgets.count == 1 ? "its budget" : "every budget")\(unmeasured > 0 ? " it was measured against" : "")"
            : "\(build) exceeds \(exceeded.count) of \(budgets.count) budget\(budgets.count == 1 ? "" : "s")"
                + (acknowledged > 0 ? ", \(acknowledged) of them acknowledged in acks.yaml" : "")
        if unmeasured > 0 { summary += "; \(unmeasured) not measured" }
        return AnswersView(
            build: t(build), step: t(step), hasTargets: !targetViews.isEmpty, targets: targetViews, hasBreakdown: !breakdown.isEmpty,
            breakdown: breakdown.map(self.breakdown), hasBudgets: !budgets.isEmpty, budgets: budgets.map(budgetRow),
            exceeded: exceeded.count, budgetSummary: t(summary + "."),
            budgetClass: exceeded.count > acknowledged ? "bad" : (exceeded.isEmpty ? "good" : "warn"))
    }

    func targets(_ list: [Target], resource r: Resource, hasChange: Bool, baseline: String?) -> TargetsView {
        let shown = list.prefix(Self.answerRows)
        let rest = list.dropFirst(Self.answerRows)
        let total = list.first?.share.map { list[0].mean / $0 }
        let rows = shown.enumerated().map { i, target in
            TargetRowView(
                rank: i + 1, id: target.id, name: t(target.component.name), category: t(target.component.category.rawValue),
                mean: Units.value(target.mean, r), share: share(target.share), cumulative: share(target.cumulativeShare),
                change: !hasChange ? Self.missing : target.change.map { changeText($0, pct: target.changePct, r) } ?? "new",
                changeClass: "", baseMean: target.baselineCategoryMean.map { Units.value($0, r) } ?? Self.missing)
        }
        var others = ""
        if !rest.isEmpty {
            let sum = rest.map(\.mean).reduce(0, +)
            let shares = rest.compactMap(\.share)
            others =
                "\(rest.count) other component\(rest.count == 1 ? "" : "s"): \(Units.value(sum, r))"
                + (shares.count == rest.count ? ", \(share(shares.reduce(0, +))) (running share \(share(rest.last?.cumulativeShare)))" : "")
        }
        return TargetsView(
            resource: r == .cpu ? "CPU" : "Memory", total: total.map { Units.value($0, r) } ?? Self.missing, rows: rows,
            hasOthers: !rest.isEmpty, others: t(others), hasChange: hasChange, hasBaseline: baseline != nil, baseline: t(baseline ?? ""),
            hasChart: style == .html,
            chart: style == .html
                ? Charts.pareto(
                    title:
                        "\(r == .cpu ? "CPU" : "Memory") by component: each one's share of the platform, largest first, and the running share",
                    resource: r, targets: Array(list.prefix(Self.paretoBars))) : nil)
    }

    /// "+70 m (+20.0 %)", or "0 m" for a change that shows as nothing.
    func changeText(_ v: Double, pct: Double?, _ r: Resource) -> String {
        let text = signed(v, r)
        return text == Units.value(0, r) ? text : "\(text) (\(Units.deltaPct(pct)))"
    }

    func share(_ s: Double?) -> String { s.map { Units.percent($0, decimals: 1) } ?? Self.missing }

    func signed(_ v: Double, _ r: Resource) -> String { Self.change(v, r) }

    /// A change in human units with its sign; one that shows as nothing at the units' precision
    /// (a difference of rounding between two equal means) is "0 m" or "0 MiB", without a sign.
    static func change(_ v: Double, _ r: Resource) -> String {
        let text = Units.value(abs(v), r)
        if text == Units.value(0, r) || text.hasPrefix("0.0 ") { return Units.value(0, r) }
        return (v < 0 ? "-" : "+") + text
    }

    func breakdown(_ b: DeltaBreakdown) -> BreakdownView {
        let r = b.resource
        func ofTotal(_ v: Double) -> String {
            guard b.totalChange != 0, v.isFinite else { return Self.missing }
            let pct = (v / b.totalChange * 100).rounded()
            return String(format: "%.0f %%", pct == 0 ? 0 : pct)
        }
        func cls(_ v: Double) -> String { signed(v, r) == Units.value(0, r) ? "" : (v > 0 ? "bad" : "good") }
        let (shown, rest) = Self.listed(b)
        let rows = shown.enumerated().map { i, c in
            BreakdownRowView(
                rank: "\(i + 1)", id: c.id, name: t(c.component.name), category: t(c.component.category.rawValue),
                change: signed(c.change, r), ofTotal: ofTotal(c.change), changeClass: cls(c.change))
        }
        let restSum = rest.map(\.change).reduce(0, +)
        let others = BreakdownRowView(
            rank: "", id: "", name: t("\(rest.count) other component\(rest.count == 1 ? "" : "s")"), category: "",
            change: signed(restSum, r), ofTotal: ofTotal(restSum), changeClass: cls(restSum))
        let remainder = BreakdownRowView(
            rank: "", id: "", name: "remainder", category: "", change: signed(b.remainder, r), ofTotal: ofTotal(b.remainder),
            changeClass: "")
        let pct = b.before == 0 ? nil : b.totalChange / b.before * 100
        var chart: HBarChartView?
        // Nothing moved: no chart to draw.
        if style == .html, signed(b.totalChange, r) != Units.value(0, r) || !shown.isEmpty {
            var steps = shown.map { Charts.Step(label: $0.component.name, change: $0.change, cssClass: $0.change > 0 ? "w-up" : "w-down") }
            if !rest.isEmpty { steps.append(.init(label: "\(rest.count) other components", change: restSum, cssClass: "w-rest")) }
            steps.append(.init(label: "remainder", change: b.remainder, cssClass: "w-rest"))
            steps.append(.init(label: "platform total", change: b.totalChange, cssClass: "w-total", isTotal: true))
            chart = Charts.waterfall(
                title: "What moved the platform's \(r == .cpu ? "CPU" : "memory"): each component's change of mean, then the total",
                resource: r, steps: steps,
                legend: [
                    .init(label: "more", cssClass: "w-up"), .init(label: "less", cssClass: "w-down"),
                    .init(label: "other components, remainder", cssClass: "w-rest"), .init(label: "total", cssClass: "w-total"),
                ])
        }
        return BreakdownView(
            resource: r == .cpu ? "CPU" : "Memory", before: Units.value(b.before, r), after: Units.value(b.after, r),
            totalChange: signed(b.totalChange, r), totalChangePct: Units.deltaPct(pct), changeClass: cls(b.totalChange), rows: rows,
            hasOthers: !rest.isEmpty, others: others, remainder: remainder, hasChart: chart != nil, chart: chart)
    }

    /// The contributions a table lists by name (at most ``answerRows``, leaving out those whose
    /// change shows as nothing), and the rest.
    static func listed(
        _ b: DeltaBreakdown, limit: Int = answerRows
    ) -> (shown: [DeltaBreakdown.Contribution], rest: [DeltaBreakdown.Contribution]) {
        let shown = Array(b.contributions.filter { change($0.change, b.resource) != Units.value(0, b.resource) }.prefix(limit))
        return (shown, b.contributions.filter { c in !shown.contains { $0.component == c.component } })
    }

    func budgetRow(_ s: BudgetStatus) -> BudgetRowView {
        let status = !s.isMeasured ? "not measured" : (s.isExceeded ? "exceeded" : "within")
        return BudgetRowView(
            id: s.id, scope: t(s.scope.description), resource: resourceName(s.resource), limit: Units.value(s.limit, s.resource),
            value: s.value.map { Units.value($0, s.resource) } ?? Self.missing,
            headroom: s.headroom.map { signed($0, s.resource) } ?? Self.missing, status: status,
            statusClass: !s.isMeasured ? "warn" : (s.isExceeded ? "bad" : "good"),
            ack: s.acknowledgement.map { t("acknowledged (\($0.ticket))") } ?? "")
    }

    /// The answers of a comparison.
    func answers(_ c: Comparison) -> AnswersView {
        answers(
            targets: c.targets, breakdown: c.breakdown, budgets: c.budgets, build: c.b.build, step: "\(c.a.build) → \(c.b.build)",
            baseline: c.baseline.map { "\($0.distribution) \($0.build)" }, hasChange: true)
    }

    /// The answers of the newest build of a periodic report.
    func answers(_ r: PeriodicReport) -> AnswersView {
        answers(
            targets: r.targets, breakdown: r.comparison?.breakdown ?? [], budgets: r.budgets, build: r.newest,
            step: r.comparison.map { "\($0.a.build) → \($0.b.build)" } ?? "",
            baseline: r.baseline.map { "\($0.distribution) \($0.build)" }, hasChange: r.comparison != nil)
    }

    /// The answers of a comparison of several builds: the last build, its change from the first.
    func answers(_ m: MultiComparison) -> AnswersView {
        answers(
            targets: m.targets, breakdown: m.breakdown, budgets: m.budgets, build: m.builds.last?.build ?? "",
            step: "\(m.builds.first?.build ?? "") → \(m.builds.last?.build ?? "")",
            baseline: m.baseline.map { "\($0.distribution) \($0.build)" }, hasChange: true)
    }

    // MARK: Whole reports

    /// A comparison, its answers after the headline.
    func report(_ c: Comparison) -> ComparisonView {
        var view = comparison(c)
        view.hasAnswers = true
        view.answers = answers(c)
        return view
    }

    /// A periodic report: the newest build's answers first, the builds against the baseline and
    /// the budgets, the trend with a row per build.
    func report(_ r: PeriodicReport) -> PeriodicView {
        var view = periodic(r)
        view.answers = answers(r)
        view.progress = progress(r.changes)
        view.trendTables = trendTables(r)
        view.componentSummaries = componentTrends(r)
        view.legend = buildLegend
        return view
    }

    /// `fedreport trend`, with the builds against the baseline and the budgets.
    func report(_ a: TrendAnalysis) -> TrendView {
        var view = trend(a)
        // The lines `trend` lists: those with a change point, or every line of a narrow trend.
        let withPoints = a.lines.filter { !$0.changePoints.isEmpty }
        view.linesTable = trendLinesTable(a, lines: withPoints.isEmpty && a.lines.count <= 4 ? a.lines : withPoints)
        view.progress = progress(a)
        view.legend = buildLegend
        return view
    }

    /// Three builds or more: the last build's answers, each build against the baseline.
    func report(_ m: MultiComparison) -> MultiView {
        var view = multi(m)
        view.answers = answers(m)
        if let base = m.baseline {
            let keys = Set(
                m.baselineRatios.flatMap { r in
                    r.totals.keys.map { RowKey.total($0) } + r.categories.flatMap { c, v in v.keys.map { RowKey.category(c, $0) } }
                })
            view.ratios = ratioTables(builds: m.builds.map(\.build), keys: Array(keys), baseline: "\(base.distribution) \(base.build)") {
                i, key in
                BaselineRatio.text(m.baselineRatios[i][key])
            }
        }
        view.hasRatios = !view.ratios.isEmpty
        return view
    }

    // MARK: Over the builds

    /// The builds against the baseline and the budgets.
    func progress(_ a: TrendAnalysis) -> ProgressView {
        let baseline = a.baseline.map { "\($0.distribution) \($0.build)" } ?? ""
        let sentences = a.ratioLines.filter { $0.level == .total }.compactMap { a.baseline?.sentence($0, builds: a.builds) }
        let ratios = ratioTables(builds: a.builds, keys: a.ratioLines.map(\.key), baseline: baseline) { i, key in
            guard let line = a.ratioLines.first(where: { $0.key == key }), let v = line.values[i] else { return Self.missing }
            let mark = line.changePoints.first { $0.index == i }.map { $0.direction == .regression ? "▲ " : "▼ " } ?? ""
            return mark + BaselineRatio.text(v)
        }
        // As the lines go: by first build, the platform before the categories.
        let points = a.ratioLines.flatMap(\.changePoints).sorted {
            ($0.index, $0.level == .total ? 0 : 1, $0.key) < ($1.index, $1.level == .total ? 0 : 1, $1.key)
        }.map { c in
            var view = changePoint(c, statistics: [])
            view.before = BaselineRatio.text(c.meanBefore)
            view.after = BaselineRatio.text(c.meanAfter)
            view.statistics = "ratio"
            return view
        }
        let headroom = buildTable(
            title: "Budget headroom per build (limit − mean; negative when exceeded)", builds: a.builds,
            columns: a.budgets.compactMap { b in
                b.newest.map { "\($0.scope) \(resourceName($0.resource)) ≤ \(Units.value($0.limit, $0.resource))" + ack($0) }
            },
            cell: { i, c in
                let s = a.budgets[c].statuses[i]
                guard let h = s.headroom else { return Self.missing }
                return signed(h, s.resource) + (s.isExceeded ? " (over)" : "")
            })
        var ratioCharts: [ChartView] = []
        var budgetCharts: [ChartView] = []
        if style == .html {
            for r in Resource.allCases {
                let lines = a.ratioLines.filter { $0.resource == r }
                guard !lines.isEmpty else { continue }
                ratioCharts.append(
                    Charts.lines(
                        title: "\(r == .cpu ? "CPU" : "Memory") per build against \(baseline), change points ringed", resource: .cpu,
                        xLabels: a.builds,
                        lines: lines.map { l in
                            .init(
                                label: l.name, cssClass: l.level == .total ? "s-base" : "c-\(l.category?.rawValue ?? "other")",
                                values: l.values,
                                marks: l.changePoints.map {
                                    (
                                        $0.index,
                                        "ratio change point \($0.id) at \($0.build): \(BaselineRatio.text($0.meanBefore)) → \(BaselineRatio.text($0.meanAfter))",
                                        $0.direction == .regression
                                    )
                                })
                        }, label: BaselineRatio.text))
            }
            for b in a.budgets.prefix(8) {
                guard let s = b.newest else { continue }
                budgetCharts.append(
                    Charts.lines(
                        title: "Budget: \(s.scope) \(resourceName(s.resource)) per build against its \(Units.value(s.limit, s.resource))",
                        resource: s.resource, xLabels: a.builds,
                        lines: [
                            .init(label: "limit", cssClass: "s-base dashed", values: b.statuses.map { _ in s.limit }),
                            .init(label: "mean", cssClass: "s-b", values: b.statuses.map(\.value)),
                        ]))
            }
        }
        return ProgressView(
            hasBaseline: a.baseline != nil, baseline: t(baseline), sentences: sentences.map(t), ratios: ratios,
            hasRatioChanges: !points.isEmpty, ratioChanges: points, hasBudgets: !a.budgets.isEmpty, headroom: headroom,
            ratioCharts: ratioCharts, budgetCharts: budgetCharts)
    }

    /// A table per resource with a row per build and a column for the platform and each
    /// category of `keys`: the builds against the baseline.
    func ratioTables(builds: [String], keys: [RowKey], baseline: String, cell: (Int, RowKey) -> String) -> [BuildTableView] {
        Resource.allCases.compactMap { r in
            // The platform first, then the categories in their order.
            let columns = keys.filter { $0.resource == r }.sorted { ($0.level == .total ? 0 : 1, $0) < ($1.level == .total ? 0 : 1, $1) }
            guard !columns.isEmpty else { return nil }
            return buildTable(
                title: "\(r == .cpu ? "CPU" : "Memory") against \(baseline) (×)", builds: builds, columns: columns.map(\.name),
                cell: { i, c in cell(i, columns[c]) })
        }
    }

    func ack(_ s: BudgetStatus) -> String { s.acknowledgement.map { " (acknowledged, \($0.ticket))" } ?? "" }

    /// A table with a row per build of `builds` and a cell per column.
    func buildTable(title: String, builds: [String], columns: [String], cell: (Int, Int) -> String, note: String = "") -> BuildTableView {
        BuildTableView(
            title: t(title), columns: columns.map(t),
            rows: builds.enumerated().map { i, b in
                BuildTableView.Row(build: t(labels(b)), fullBuild: t(b), cells: columns.indices.map { cell(i, $0) })
            }, note: t(note), hasNote: !note.isEmpty)
    }

    /// The trend of a periodic report as tables with a row per build: the platform, then the
    /// categories of each resource.
    func trendTables(_ r: PeriodicReport) -> [BuildTableView] {
        func cell(_ s: TrendSeries, _ i: Int, p95: Bool = false) -> String {
            guard let st = s.points[i].stats else { return Self.missing }
            return Units.value(p95 ? st.summary.p95 : st.summary.mean, s.resource) + (st.partial ? Self.partialMark : "")
        }
        var tables: [BuildTableView] = []
        let totals = Resource.allCases.compactMap { res in r.trends.first { $0.key == .total(res) } }
        if !totals.isEmpty {
            let columns = totals.flatMap { s in ["\(resourceName(s.resource)) mean", "\(resourceName(s.resource)) p95"] }
            tables.append(
                buildTable(
                    title: "Platform", builds: r.builds, columns: columns, cell: { i, c in cell(totals[c / 2], i, p95: c % 2 == 1) }))
        }
        for res in Resource.allCases {
            let cats = r.trends.filter { $0.level == .category && $0.resource == res }
            guard !cats.isEmpty else { continue }
            tables.append(
                buildTable(
                    title: "Categories, \(resourceName(res)) (mean)", builds: r.builds, columns: cats.map(\.name),
                    cell: { i, c in cell(cats[c], i) }))
        }
        return tables
    }

    /// Every component of a periodic report over its builds, in one line each.
    func componentTrends(_ r: PeriodicReport) -> [ComponentTrendView] {
        r.trends.filter { $0.level == .component }.map { s in
            let means = s.points.map { $0.stats?.summary.mean }
            let present = means.compactMap { $0 }
            let first = present.first
            let newest = means.last ?? nil
            var change = Self.missing
            if let first, let newest, first != 0 { change = Units.deltaPct((newest / first - 1) * 100) }
            return ComponentTrendView(
                name: t(s.name), category: t(s.category?.rawValue ?? ""), resource: resourceName(s.resource),
                first: first.map { Units.value($0, s.resource) } ?? Self.missing,
                newest: newest.map { Units.value($0, s.resource) } ?? Self.missing, change: change,
                low: present.min().map { Units.value($0, s.resource) } ?? Self.missing,
                high: present.max().map { Units.value($0, s.resource) } ?? Self.missing,
                spark: style == .html ? Self.spark(means) : "", hasSpark: style == .html && present.count > 1)
        }
    }

    /// `values` as a polyline in a 100 × 20 box, the lowest value at the bottom; gaps skipped.
    static func spark(_ values: [Double?]) -> String {
        let present = values.compactMap { $0 }
        guard present.count > 1, let lo = present.min(), let hi = present.max() else { return "" }
        let n = Double(max(values.count - 1, 1))
        // A spread below a thousandth of the values is rounding, drawn flat.
        let flat = hi - lo <= max(abs(hi), abs(lo)) * 1e-3
        return values.enumerated().compactMap { i, v in
            v.map { v in
                let y = flat ? 10 : 18 - (v - lo) / (hi - lo) * 16
                return "\(Charts.f(Double(i) / n * 100)),\(Charts.f(y))"
            }
        }.joined(separator: " ")
    }

    /// The lines of `fedreport trend` as a table with a row per build and a column per line.
    func trendLinesTable(_ a: TrendAnalysis, lines: [TrendLine]) -> BuildTableView {
        buildTable(
            title: "", builds: a.builds,
            columns: lines.map { "\($0.name) \(resourceName($0.resource)) \($0.statistic.rawValue)" },
            cell: { i, c in
                let line = lines[c]
                guard let v = line.values[i] else { return Self.missing }
                let mark = line.changePoints.first { $0.index == i }.map { $0.direction == .regression ? "▲ " : "▼ " } ?? ""
                return mark + Units.value(v, line.resource)
            })
    }

    /// The full names of the builds shortened in this report.
    var buildLegend: BuildLegendView {
        BuildLegendView(hasEntries: !labels.isEmpty, entries: labels.legend.map { .init(label: t($0.label), build: t($0.build)) })
    }
}
