import FedCore
import Foundation

/// Fixed facts about one rendering run, passed in so that output is deterministic under test.
public struct RenderContext: Sendable {
    /// When the report was generated (shown in the footer and used in file names).
    public var generatedAt: TimestampMs
    public var version: String

    public init(generatedAt: TimestampMs, version: String = FedCore.fedreportVersion) {
        self.generatedAt = generatedAt
        self.version = version
    }
}

/// Turns report models into the dictionaries the Markdown and HTML templates render: every
/// number already in human units, every text from data escaped for `style` (Markdown) or left for
/// the template to escape (HTML).
struct ViewModel {
    let style: TextStyle
    let context: RenderContext

    static let partialMark = "†"
    static let lowCoverageMark = "‡"
    static let missing = "—"

    func t(_ s: String) -> String { style.text(s) }

    // MARK: Comparison

    func comparison(_ c: Comparison) -> [String: Any] {
        var d = common()
        d["title"] = t("Resource comparison: \(c.a.build) → \(c.b.build)")
        d["a"] = side(c.a)
        d["b"] = side(c.b)
        d["hasBaseline"] = c.baseline != nil
        d["baseline"] = c.baseline.map(side) ?? [:]
        d["headline"] = headline(c)
        d["options"] = options(c.options)
        let regressions = c.regressions.map { row($0, c) }
        let improvements = c.improvements.map { row($0, c) }
        d["regressions"] = regressions
        d["hasRegressions"] = !regressions.isEmpty
        d["regressionCount"] = "\(regressions.count)"
        d["improvements"] = improvements
        d["hasImprovements"] = !improvements.isEmpty
        d["improvementCount"] = "\(improvements.count)"
        d["totals"] = c.totals.map { row($0, c) }
        d["categories"] = c.categories.map { row($0, c) }
        d["components"] = c.components.map { row($0, c) }
        d["hasComponents"] = !c.components.isEmpty
        let notes = c.allRows.flatMap { r in
            r.notes.map { ["name": t(r.name), "level": r.level.rawValue, "resource": resourceName(r.resource), "note": t($0)] }
        }
        d["notes"] = notes
        d["hasNotes"] = !notes.isEmpty
        d["verdictCounts"] = Verdict.allCases.compactMap { v -> [String: Any]? in
            let n = c.allRows.filter { $0.verdict == v }.count
            return n == 0 ? nil : ["verdict": v.rawValue, "count": "\(n)", "verdictClass": verdictClass(v)]
        }
        d["dataQuality"] = dataQuality(c.dataQuality)
        d["provenance"] = provenance(c.provenance)
        d["charts"] = style == .html ? comparisonCharts(c) : []
        return d
    }

    func common() -> [String: Any] {
        [
            "generatedAt": Units.time(context.generatedAt),
            "version": t(context.version),
            "partialMark": Self.partialMark,
            "lowCoverageMark": Self.lowCoverageMark,
        ]
    }

    func side(_ s: SideInfo) -> [String: Any] {
        [
            "build": t(s.build), "distribution": t(s.distribution), "snapshots": "\(s.snapshots)",
            "snapshotsWord": s.snapshots == 1 ? "snapshot" : "snapshots",
            "clusters": t(s.clusters.joined(separator: ", ")),
            "ids": s.snapshotIDs.map(String.init).joined(separator: ", "),
        ]
    }

    func options(_ o: CompareOptions) -> [String: Any] {
        [
            "threshold": String(format: "%g %%", o.threshold * 100),
            "minDeltaCPU": Units.cpu(o.minDeltaCPU),
            "minDeltaMemory": Units.memory(o.minDeltaMemory),
            "minCoverage": String(format: "%g %%", o.minCoverage * 100),
            "lowCoverage": String(format: "%g %%", o.lowCoverage * 100),
            "minSnapshots": "\(o.minSnapshotsForTest)",
            "fdr": String(format: "%g", o.falseDiscoveryRate),
        ]
    }

    func headline(_ c: Comparison) -> [[String: Any]] {
        c.totals.map { r in
            [
                "resource": r.resource == .cpu ? "CPU" : "Memory",
                "a": mean(r.a, r.resource), "b": mean(r.b, r.resource),
                "delta": Units.deltaPct(r.deltaPct?.mean),
                "deltaP95": Units.deltaPct(r.deltaPct?.p95),
                "verdict": r.verdict.rawValue, "verdictClass": verdictClass(r.verdict),
                "hasBaseline": c.baseline != nil,
                "base": mean(r.baseline, r.resource),
                "hasBaselineData": r.baseline != nil,
                "deltaBase": Units.deltaPct(r.deltaPctVsBaseline?.mean),
                "marks": marks(r),
            ]
        }
    }

    func mean(_ s: SideStats?, _ r: Resource) -> String { s.map { Units.value($0.summary.mean, r) } ?? Self.missing }

    func resourceName(_ r: Resource) -> String { r == .cpu ? "CPU" : "memory" }

    func verdictClass(_ v: Verdict) -> String {
        switch v {
        case .regression: "bad"
        case .improvement: "good"
        case .unchanged: "same"
        case .new, .removed: "info"
        case .insufficientData: "warn"
        }
    }

    func marks(_ r: ComparisonRow) -> String {
        (r.flags.contains(.partial) ? Self.partialMark : "") + (r.flags.contains(.lowCoverage) ? Self.lowCoverageMark : "")
    }

    func spread(_ s: SideStats?, _ r: Resource) -> String {
        guard let sd = s?.snapshotMeanSD else { return "" }
        return " ±" + Units.value(sd, r)
    }

    func row(_ r: ComparisonRow, _ c: Comparison) -> [String: Any] {
        let res = r.resource
        func stat(_ s: SideStats?, _ name: String) -> String {
            guard let v = s?.summary.value(name) else { return Self.missing }
            return Units.value(v, res)
        }
        func cov(_ s: SideStats?) -> String { s.map { Units.coverage($0.summary.coverage) } ?? Self.missing }
        return [
            "level": r.level.rawValue, "name": t(r.name), "category": t(r.category?.rawValue ?? ""),
            "resource": resourceName(res),
            "aMean": stat(r.a, "mean"), "aP95": stat(r.a, "p95"), "aMax": stat(r.a, "max"), "aSpread": spread(r.a, res),
            "bMean": stat(r.b, "mean"), "bP95": stat(r.b, "p95"), "bMax": stat(r.b, "max"), "bSpread": spread(r.b, res),
            "aCoverage": cov(r.a), "bCoverage": cov(r.b),
            "aSnapshots": "\(r.a?.snapshots ?? 0)", "bSnapshots": "\(r.b?.snapshots ?? 0)",
            "dMean": Units.deltaPct(r.deltaPct?.mean), "dP95": Units.deltaPct(r.deltaPct?.p95),
            "dMax": Units.deltaPct(r.deltaPct?.max),
            "dAbs": r.deltaMean.map { ($0 >= 0 ? "+" : "") + Units.value($0, res) } ?? Self.missing,
            "hasBaseline": c.baseline != nil && r.level != .component,
            "baseMean": stat(r.baseline, "mean"), "baseP95": stat(r.baseline, "p95"),
            "dBase": Units.deltaPct(r.deltaPctVsBaseline?.mean),
            "verdict": r.verdict.rawValue, "verdictClass": verdictClass(r.verdict),
            "marks": marks(r),
            "q": r.qValue.map { String(format: "%.3g", $0) } ?? "",
            "members": t(r.members.joined(separator: ", ")),
            "direction": (r.deltaMean ?? 0) >= 0 ? "up" : "down",
        ]
    }

    // MARK: Data quality and provenance

    func dataQuality(_ q: DataQuality) -> [String: Any] {
        let partial = q.partialSnapshots.map { p -> [String: Any] in
            [
                "id": "\(p.snapshotID)", "cluster": t(p.cluster), "build": t(p.build),
                "warnings": t(p.warnings.isEmpty ? "(no warning text)" : p.warnings.joined(separator: "; ")),
            ]
        }
        let low = q.lowCoverage.map { l -> [String: Any] in
            [
                "level": l.level.rawValue, "name": t(l.name), "resource": resourceName(l.resource), "side": l.side,
                "build": t(l.build), "coverage": Units.coverage(l.coverage),
            ]
        }
        let unmapped = q.unmapped.map { u -> [String: Any] in
            ["member": t(u.member), "builds": t(u.builds.joined(separator: ", "))]
        }
        let noData = q.noData.map { n -> [String: Any] in
            ["id": "\(n.snapshotID)", "cluster": t(n.cluster), "build": t(n.build), "query": t(n.query)]
        }
        return [
            "clean": q.isClean,
            "partial": partial, "hasPartial": !partial.isEmpty,
            "lowCoverage": low, "hasLowCoverage": !low.isEmpty,
            "unmapped": unmapped, "hasUnmapped": !unmapped.isEmpty,
            "leftOutSamples": "\(q.leftOutSamples)", "leftOutTimestamps": "\(q.leftOutTimestamps)",
            "leftOutNoVersion": "\(q.leftOut.noVersion)", "leftOutMultiple": "\(q.leftOut.multipleVersions)",
            "leftOutSettling": "\(q.leftOut.settling)",
            "hasLeftOut": q.leftOut != LeftOutCounts(),
            "querySetsDiffer": q.querySetsDiffer,
            "querySets": q.querySets.map {
                ["hash": t($0.hash.isEmpty ? "(none)" : $0.hash), "ids": $0.snapshotIDs.map(String.init).joined(separator: ", ")]
            },
            "noData": noData, "hasNoData": !noData.isEmpty,
        ]
    }

    func provenance(_ entries: [ProvenanceEntry]) -> [[String: Any]] {
        entries.map { p in
            [
                "side": p.side, "id": "\(p.snapshotID)", "cluster": t(p.cluster), "build": t(p.build),
                "distribution": t(p.distribution),
                "window": "\(Units.time(p.start)) – \(Units.time(p.end))", "step": Units.step(p.step),
                "querier": t(p.querierURL), "serverBuild": t(p.serverBuild ?? Self.missing),
                "version": t(p.fedreportVersion), "hash": t(String(p.querySetHash.prefix(12))),
                "partialMark": p.partial ? Self.partialMark : "",
            ]
        }
    }

    // MARK: Charts

    func comparisonCharts(_ c: Comparison) -> [[String: Any]] {
        var series = [
            Charts.Series(label: "A · \(c.a.build)", cssClass: "s-a"), Charts.Series(label: "B · \(c.b.build)", cssClass: "s-b"),
        ]
        if let base = c.baseline { series.append(.init(label: "baseline · \(base.build)", cssClass: "s-base")) }
        var charts: [[String: Any]] = []
        for res in Resource.allCases {
            let rows = c.totals.filter { $0.resource == res } + c.categories.filter { $0.resource == res }
            let groups = rows.map { r in
                Charts.Group(
                    label: r.name + marks(r),
                    values: [r.a?.summary.mean, r.b?.summary.mean] + (c.baseline != nil ? [r.baseline?.summary.mean] : []))
            }
            if !groups.isEmpty {
                charts.append(
                    Charts.groupedBars(title: "Mean \(resourceName(res)) by category", resource: res, series: series, groups: groups))
            }
        }
        let componentSeries = Array(series.prefix(2))
        let limit = 15
        for res in Resource.allCases {
            let rows = c.components.filter { $0.resource == res }
                .sorted { max($0.a?.summary.mean ?? 0, $0.b?.summary.mean ?? 0) > max($1.a?.summary.mean ?? 0, $1.b?.summary.mean ?? 0) }
            guard !rows.isEmpty else { continue }
            let shown = rows.prefix(limit)
            let groups = shown.map { r in
                Charts.Group(label: r.name + marks(r), values: [r.a?.summary.mean, r.b?.summary.mean])
            }
            let title =
                rows.count > limit
                ? "Mean \(resourceName(res)) of the \(limit) largest components" : "Mean \(resourceName(res)) by component"
            charts.append(Charts.groupedBars(title: title, resource: res, series: componentSeries, groups: groups))
        }
        return charts
    }

    // MARK: Periodic

    func periodic(_ r: PeriodicReport) -> [String: Any] {
        var d = common()
        d["title"] = t("Resource report: \(r.distribution) \(r.newest)")
        d["distribution"] = t(r.distribution)
        d["newest"] = t(r.newest)
        d["builds"] = r.builds.map { ["build": t($0)] }
        d["buildCount"] = "\(r.builds.count)"
        d["buildRange"] = t(r.builds.count > 1 ? "\(r.builds.first!) … \(r.builds.last!)" : r.newest)
        d["hasComparison"] = r.comparison != nil
        d["comparison"] = r.comparison.map(comparison) ?? [:]
        d["hasBaseline"] = r.baseline != nil
        d["baseline"] = r.baseline.map(side) ?? [:]
        let levels: [(String, RowLevel)] = [("totalTrends", .total), ("categoryTrends", .category), ("componentTrends", .component)]
        for (key, level) in levels {
            d[key] = r.trends.filter { $0.level == level }.map(trendRow)
        }
        d["dataQuality"] = dataQuality(r.dataQuality)
        d["provenance"] = provenance(r.provenance)
        d["trendCharts"] = style == .html ? trendCharts(r) : []
        return d
    }

    func trendRow(_ s: TrendSeries) -> [String: Any] {
        [
            "name": t(s.name), "category": t(s.category?.rawValue ?? ""), "resource": resourceName(s.resource),
            "points": s.points.map { p -> [String: Any] in
                guard let st = p.stats else {
                    return ["mean": Self.missing, "p95": Self.missing, "hasData": false, "marks": "", "cell": Self.missing]
                }
                let mean = Units.value(st.summary.mean, s.resource)
                let p95 = Units.value(st.summary.p95, s.resource)
                let marks = st.partial ? Self.partialMark : ""
                return [
                    "mean": mean, "p95": p95, "hasData": true, "marks": marks, "cell": "\(mean) (p95 \(p95))\(marks)",
                ]
            },
        ]
    }

    func trendCharts(_ r: PeriodicReport) -> [[String: Any]] {
        var charts: [[String: Any]] = []
        for res in Resource.allCases {
            if let total = r.trends.first(where: { $0.level == .total && $0.resource == res }) {
                charts.append(
                    Charts.lines(
                        title: "Platform \(resourceName(res)) per build", resource: res, xLabels: r.builds,
                        lines: [
                            .init(label: "p95", cssClass: "s-a dashed", values: total.points.map { $0.stats?.summary.p95 }),
                            .init(label: "mean", cssClass: "s-b", values: total.points.map { $0.stats?.summary.mean }),
                        ]))
            }
            let cats = r.trends.filter { $0.level == .category && $0.resource == res }
            if !cats.isEmpty {
                charts.append(
                    Charts.lines(
                        title: "Mean \(resourceName(res)) by category per build", resource: res, xLabels: r.builds,
                        lines: cats.map { s in
                            .init(
                                label: s.name, cssClass: "c-\(s.category?.rawValue ?? "other")",
                                values: s.points.map { $0.stats?.summary.mean })
                        }))
            }
        }
        return charts
    }
}
