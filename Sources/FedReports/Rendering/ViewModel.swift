import FedCore
import Foundation

/// Fixed facts about one rendering run, passed in so that output is deterministic under test.
package struct RenderContext: Sendable {
    /// When the report was generated (shown in the footer and used in file names).
    package var generatedAt: TimestampMs
    package var version: String
    /// `--only-regressions`: Markdown, Jira and JSON keep only the headline, the regressions,
    /// the change points and data quality (the part that goes into a ticket).
    package var onlyRegressions: Bool
    /// Where the whole report is (a file written in the same run, or the command that writes
    /// it), for the line that ends a Jira text cut to Jira's length limit.
    package var fullReport: String?
    /// Where the HTML report of this run is published (`report.base_url` and its file name):
    /// the footer of Markdown and Jira links there instead of naming a local path.
    package var link: String?

    package init(
        generatedAt: TimestampMs, version: String = FedCore.fedreportVersion, onlyRegressions: Bool = false, fullReport: String? = nil,
        link: String? = nil
    ) {
        self.generatedAt = generatedAt
        self.version = version
        self.onlyRegressions = onlyRegressions
        self.fullReport = link ?? fullReport
        self.link = link
    }
}

/// Turns report models into the typed views of `Views.swift` that the Markdown and HTML templates
/// render: every number already in human units, every text from data escaped for `style`
/// (Markdown) or left for the template to escape (HTML).
struct ViewModel {
    let style: TextStyle
    let context: RenderContext
    /// The names builds go by in this report's tables and charts.
    var labels = BuildLabels([])

    static let partialMark = "†"
    static let lowCoverageMark = "‡"
    static let missing = "—"

    func t(_ s: String) -> String { style.text(s) }

    var generatedAt: String { Units.time(context.generatedAt) }

    // MARK: Comparison

    func comparison(_ c: Comparison) -> ComparisonView {
        let regressions = c.regressions.map { row($0, c) }
        let improvements = c.improvements.map { row($0, c) }
        let notes = c.allRows.flatMap { r in
            r.notes.map { NoteView(name: t(r.name), level: r.level.rawValue, resource: resourceName(r.resource), note: t($0)) }
        }
        return ComparisonView(
            generatedAt: generatedAt, version: t(context.version), link: context.link, hasLink: context.link != nil,
            partialMark: Self.partialMark,
            lowCoverageMark: Self.lowCoverageMark, title: t("Resource comparison: \(c.a.build) → \(c.b.build)"),
            a: side(c.a), b: side(c.b), hasBaseline: c.baseline != nil, baseline: c.baseline.map(side),
            headline: headline(c), cautions: cautions(c), hasCautions: !cautions(c).isEmpty, options: options(c.options),
            regressions: regressions, hasRegressions: !regressions.isEmpty, regressionCount: regressions.count,
            improvements: improvements, hasImprovements: !improvements.isEmpty, improvementCount: improvements.count,
            totals: c.totals.map { row($0, c) }, categories: c.categories.map { row($0, c) },
            components: c.components.map { row($0, c) }, hasComponents: !c.components.isEmpty,
            notes: notes, hasNotes: !notes.isEmpty,
            verdictCounts: Verdict.allCases.compactMap { v in
                let n = c.allRows.filter { $0.verdict == v }.count
                return n == 0
                    ? nil : VerdictCountView(verdict: v.rawValue, count: n, label: Self.count(n, v), verdictClass: verdictClass(v))
            },
            dataQuality: dataQuality(c.dataQuality), provenance: provenance(c.provenance),
            charts: style == .html ? comparisonCharts(c) : [], full: !context.onlyRegressions,
            acknowledgedNote: Self.acknowledgedNote(c.regressions.count - c.unacknowledgedRegressions.count),
            hasAcknowledged: c.regressions.count != c.unacknowledgedRegressions.count)
    }

    /// "2 of them acknowledged (they do not fail a job)", or empty.
    static func acknowledgedNote(_ n: Int) -> String {
        n == 0 ? "" : "\(n == 1 ? "1 of them" : "\(n) of them") acknowledged in acks.yaml (they do not fail a job)"
    }

    /// "1 regression", "3 regressions", "108 unchanged".
    static func count(_ n: Int, _ v: Verdict) -> String {
        switch v {
        case .regression, .improvement: "\(n) \(v.rawValue)\(n == 1 ? "" : "s")"
        case .unchanged, .negligible, .new, .removed, .insufficientData: "\(n) \(v.rawValue)"
        }
    }

    func side(_ s: SideInfo) -> SideView {
        SideView(
            build: t(s.build), distribution: t(s.distribution), snapshots: s.snapshots,
            snapshotsWord: s.snapshots == 1 ? "snapshot" : "snapshots",
            clusters: t(s.clusterList()),
            ids: s.snapshotIDs.map(String.init).joined(separator: ", "))
    }

    func options(_ o: CompareOptions) -> OptionsView {
        OptionsView(
            threshold: Units.percentSetting(o.threshold), minDeltaCPU: Units.cpu(o.minDeltaCPU),
            minDeltaMemory: Units.memory(o.minDeltaMemory), minCoverage: Units.percent(o.minCoverage),
            lowCoverage: Units.percent(o.lowCoverage), minSnapshots: o.minSnapshotsForTest,
            fdr: String(format: "%g", o.falseDiscoveryRate))
    }

    func headline(_ c: Comparison) -> [HeadlineView] {
        c.totals.map { r in
            let word = resourceName(r.resource)
            let change = Units.relative(r.deltaPct?.mean, resource: word, reference: t(c.a.build))
            let reference = c.baseline.map { t("\($0.distribution) \($0.build)") } ?? ""
            let vsBase = Units.relative(r.deltaPctVsBaseline?.mean, resource: word, reference: reference)
            return HeadlineView(
                resource: r.resource == .cpu ? "CPU" : "Memory", a: mean(r.a, r.resource), b: mean(r.b, r.resource),
                delta: Units.deltaPct(r.deltaPct?.mean), change: change.figure, changeCaption: change.caption,
                changeSentence: change.sentence, deltaP95: Units.deltaPct(r.deltaPct?.p95),
                verdict: r.verdict.rawValue, verdictClass: verdictClass(r.verdict),
                verdictNote: (isChange(r) && r.basis == .thresholdOnly ? " · threshold only" : "")
                    + Self.floorNote(r, c.options)
                    + (r.acknowledgement.map { t(" · acknowledged (\($0.ticket))") } ?? ""),
                hasBaseline: c.baseline != nil,
                base: mean(r.baseline, r.resource), hasBaselineData: r.baseline != nil,
                deltaBase: Units.deltaPct(r.deltaPctVsBaseline?.mean), baseSentence: vsBase.sentence, marks: marks(r))
        }
    }

    /// Sentences that qualify the whole comparison, for the headline.
    func cautions(_ c: Comparison) -> [String] {
        var out: [String] = []
        if let caution = clusterCaution(c, a: "A", b: "B") { out.append(caution) }
        if !c.dataQuality.incompleteQueries.isEmpty {
            out.append(
                t(
                    "Incomplete totals: \(c.dataQuality.incompleteText.joined(separator: "; ")). "
                        + "A total compared with one that has those series differs by them."))
        }
        for phrase in c.dataQuality.notMeasuredText {
            out.append(
                t(
                    "Not measured: \(phrase). The hub has no such series (fedreport check lists what it carries), "
                        + "so those totals, categories and components are absent, not 0."))
        }
        if let caution = nodeCaution(c, a: "A", b: "B") { out.append(caution) }
        if c.dataQuality.measurementMismatch {
            out.append(
                t(
                    "A and B were measured differently (queries, rate window, step, settle, replica labels or component maps differ; "
                        + "see Data quality): a difference may come from the measurement, not the build."))
        }
        return out
    }

    /// "A and B come from different clusters (…)", the sides named `a` and `b`; nil when they share them.
    func clusterCaution(_ c: Comparison, a: String, b: String) -> String? {
        c.dataQuality.clusterSets.map { sets in
            t(
                "\(a) and \(b) come from different clusters (\(a): \(sets.a.joined(separator: ", ")); \(b): \(sets.b.joined(separator: ", "))): "
                    + "a different mix of clusters can move the pooled figures on its own.")
        }
    }

    /// "A and B ran on different numbers of nodes (…)", the sides named `a` and `b`; nil when they did not.
    func nodeCaution(_ c: Comparison, a: String, b: String) -> String? {
        c.dataQuality.nodeCounts.map { n in
            t(
                "\(a) and \(b) ran on different numbers of nodes (\(n.text(a: a, b: b))): components that run on every node (DaemonSets) "
                    + "scale with the node count.")
        }
    }

    func mean(_ s: SideStats?, _ r: Resource) -> String { s.map { Units.value($0.summary.mean, r) } ?? Self.missing }

    func resourceName(_ r: Resource) -> String { r == .cpu ? "CPU" : "memory" }

    func verdictClass(_ v: Verdict) -> String {
        switch v {
        case .regression: "bad"
        case .improvement: "good"
        case .unchanged, .negligible: "same"
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

    func row(_ r: ComparisonRow, _ c: Comparison) -> RowView {
        let res = r.resource
        func stat(_ s: SideStats?, _ name: String) -> String {
            guard let v = s?.summary.value(name) else { return Self.missing }
            return Units.value(v, res)
        }
        func cov(_ s: SideStats?) -> String { s.map { Units.percent($0.summary.coverage) } ?? Self.missing }
        return RowView(
            level: r.level.rawValue, name: t(r.name), category: t(r.category?.rawValue ?? ""), resource: resourceName(res),
            aMean: stat(r.a, "mean"), aP95: stat(r.a, "p95"), aMax: stat(r.a, "max"), aSpread: spread(r.a, res),
            bMean: stat(r.b, "mean"), bP95: stat(r.b, "p95"), bMax: stat(r.b, "max"), bSpread: spread(r.b, res),
            aCoverage: cov(r.a), bCoverage: cov(r.b), aSnapshots: r.a?.snapshots ?? 0, bSnapshots: r.b?.snapshots ?? 0,
            dMean: Units.deltaPct(r.deltaPct?.mean), dP95: Units.deltaPct(r.deltaPct?.p95), dMax: Units.deltaPct(r.deltaPct?.max),
            dAbs: r.deltaMean.map { ($0 >= 0 ? "+" : "") + Units.value($0, res) } ?? Self.missing,
            hasBaseline: c.baseline != nil && r.level != .component,
            baseMean: stat(r.baseline, "mean"), baseP95: stat(r.baseline, "p95"), dBase: Units.deltaPct(r.deltaPctVsBaseline?.mean),
            verdict: r.verdict.rawValue, verdictClass: verdictClass(r.verdict), marks: marks(r),
            q: r.qValue.map { String(format: "%.3g", $0) } ?? "", members: t(r.members.joined(separator: ", ")),
            direction: (r.deltaMean ?? 0) >= 0 ? "up" : "down", id: r.id, confidence: Self.confidence(r),
            basisNote: (isChange(r) && r.basis == .thresholdOnly ? " · threshold only" : "") + Self.floorNote(r, c.options),
            ack: r.acknowledgement.map { t("acknowledged (\($0.ticket))") } ?? "",
            ackNote: r.acknowledgement.map { t(" · acknowledged (\($0.ticket))") } ?? "")
    }

    func isChange(_ r: ComparisonRow) -> Bool { r.verdict == .regression || r.verdict == .improvement }

    /// " · within the 5 m floor" after a negligible verdict: the absolute change the row stayed
    /// within, though its percentage passed the threshold; empty for the other verdicts.
    static func floorNote(_ r: ComparisonRow, _ o: CompareOptions) -> String {
        r.verdict == .negligible ? " · within the \(Units.value(o.floor(r.resource), r.resource)) floor" : ""
    }

    /// "threshold only", "p 0.0012 · q 0.004", "95 % CI +30 m to +80 m · g 3.91", joined by " · ".
    static func confidence(_ r: ComparisonRow) -> String {
        var parts: [String] = []
        if r.basis == .thresholdOnly { parts.append("threshold only") }
        if let p = r.pValue { parts.append("p " + Self.probability(p)) }
        if let q = r.qValue { parts.append("q " + Self.probability(q)) }
        if let c = r.confidence {
            parts.append("95 % CI \(signed(c.low, r.resource)) to \(signed(c.high, r.resource))")
            if let g = c.hedgesG { parts.append(String(format: "g %.2f", g)) }
        }
        return parts.isEmpty ? Self.missing : parts.joined(separator: " · ")
    }

    static func signed(_ v: Double, _ r: Resource) -> String { (v >= 0 ? "+" : "") + Units.value(v, r) }

    /// A p-value in three significant digits: "0.0012", "3.47e-22".
    static func probability(_ p: Double) -> String { String(format: "%.3g", p) }

    // MARK: Data quality and provenance

    func dataQuality(_ q: DataQuality) -> DataQualityView {
        let partial = q.partialSnapshots.map { p in
            DataQualityView.Partial(
                id: "\(p.snapshotID)", cluster: t(p.cluster), build: t(p.build),
                warnings: t(p.warnings.isEmpty ? "(no warning text)" : p.warnings.joined(separator: "; ")))
        }
        let low = q.lowCoverage.map { l in
            DataQualityView.LowCoverage(
                level: l.level.rawValue, name: t(l.name), resource: resourceName(l.resource), side: l.side, build: t(l.build),
                coverage: Units.percent(l.coverage))
        }
        let unmapped = q.unmapped.map { DataQualityView.Unmapped(member: t($0.member), builds: t($0.builds.joined(separator: ", "))) }
        let notes = q.snapshotNotes.map { n in
            DataQualityView.Note(id: "\(n.snapshotID)", cluster: t(n.cluster), build: t(n.build), note: t(n.note))
        }
        let noData = q.noData.map { n in
            DataQualityView.NoData(id: "\(n.snapshotID)", cluster: t(n.cluster), build: t(n.build), query: t(n.query))
        }
        return DataQualityView(
            clean: q.isClean, partial: partial, hasPartial: !partial.isEmpty, overlaps: q.overlaps.map { t($0.text) },
            hasOverlaps: !q.overlaps.isEmpty, lowCoverage: low, hasLowCoverage: !low.isEmpty,
            unmapped: unmapped, hasUnmapped: !unmapped.isEmpty, leftOutSamples: q.leftOutSamples,
            leftOutTimestamps: q.leftOutTimestamps, leftOutNoVersion: q.leftOut.noVersion,
            leftOutMultiple: q.leftOut.multipleVersions, leftOutSettling: q.leftOut.settling,
            leftOutUpgrading: q.leftOut.upgrading, leftOutIncomplete: q.leftOut.incompleteTotals,
            hasLeftOut: q.leftOut != LeftOutCounts(), offGridPoints: q.offGridPoints, hasOffGrid: q.offGridPoints > 0,
            measurementMismatch: q.measurementMismatch,
            measurements: q.measurements.map {
                DataQualityView.Measurement(
                    side: $0.side, build: t($0.build),
                    hash: $0.hash.isEmpty ? "(not recorded: an older fedreport)" : String($0.hash.prefix(12)),
                    ids: $0.snapshotIDs.map(String.init).joined(separator: ", "))
            },
            clusterSetsDiffer: q.clusterSetsDiffer,
            clusterSets: q.clusterSets.map {
                t("A: \($0.a.joined(separator: ", ")); B: \($0.b.joined(separator: ", "))")
            } ?? "",
            nodeCountsDiffer: q.nodeCountsDiffer, nodeCounts: q.nodeCounts.map { t($0.text) } ?? "",
            hasIncomplete: !q.incompleteQueries.isEmpty, incomplete: t(q.incompleteText.joined(separator: "; ")),
            hasNotMeasured: !q.notMeasured.isEmpty, notMeasured: t(q.notMeasuredText.joined(separator: "; ")),
            notes: notes, hasNotes: !notes.isEmpty, querySetsDiffer: q.querySetsDiffer,
            querySets: q.querySets.map {
                DataQualityView.QuerySet(
                    hash: t($0.hash.isEmpty ? "(none)" : $0.hash), ids: $0.snapshotIDs.map(String.init).joined(separator: ", "))
            },
            noData: noData, hasNoData: !noData.isEmpty)
    }

    func provenance(_ entries: [ProvenanceEntry]) -> [ProvenanceView] {
        entries.map { p in
            ProvenanceView(
                side: p.side, id: "\(p.snapshotID)", cluster: t(p.cluster), build: t(p.build), distribution: t(p.distribution),
                window: "\(Units.time(p.start)) – \(Units.time(p.end))", step: Units.step(p.step), querier: t(p.querierURL),
                serverBuild: t(p.serverBuild ?? Self.missing), version: t(p.fedreportVersion),
                hash: t(String(p.querySetHash.prefix(12))), partialMark: p.partial ? Self.partialMark : "")
        }
    }

    // MARK: Charts

    func comparisonCharts(_ c: Comparison) -> [ChartView] {
        var series = [
            Charts.Series(label: "A · \(labels(c.a.build))", cssClass: "s-a"),
            Charts.Series(label: "B · \(labels(c.b.build))", cssClass: "s-b"),
        ]
        if let base = c.baseline { series.append(.init(label: "baseline · \(base.build)", cssClass: "s-base")) }
        var charts: [ChartView] = []
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

    func periodic(_ r: PeriodicReport) -> PeriodicView {
        func trends(_ level: RowLevel) -> [TrendRowView] { r.trends.filter { $0.level == level }.map(trendRow) }
        let charts = style == .html ? changeCharts(r.changes) : []
        return PeriodicView(
            generatedAt: generatedAt, version: t(context.version), link: context.link, hasLink: context.link != nil,
            partialMark: Self.partialMark,
            lowCoverageMark: Self.lowCoverageMark, title: t("Resource report: \(r.distribution) \(r.newest)"),
            distribution: t(r.distribution), newest: t(r.newest), builds: r.builds.map(buildColumn),
            buildCount: r.builds.count,
            buildRange: t(r.builds.count > 1 ? "\(r.builds.first!) … \(r.builds.last!)" : r.newest),
            hasComparison: r.comparison != nil, comparison: r.comparison.map(comparison),
            hasBaseline: r.baseline != nil, baseline: r.baseline.map(side),
            totalTrends: trends(.total), categoryTrends: trends(.category), componentTrends: trends(.component),
            changePoints: changePoints(r.changes), dataQuality: dataQuality(r.dataQuality), provenance: provenance(r.provenance),
            trendCharts: style == .html ? trendCharts(r) : [], changeCharts: charts, hasChangeCharts: !charts.isEmpty,
            full: !context.onlyRegressions)
    }

    func buildColumn(_ name: String) -> BuildColumnView {
        BuildColumnView(build: t(name), top: t(labels(name)), bottom: "", hasBottom: false)
    }

    func trendRow(_ s: TrendSeries) -> TrendRowView {
        TrendRowView(
            name: t(s.name), category: t(s.category?.rawValue ?? ""), resource: resourceName(s.resource),
            points: s.points.map { p in
                guard let st = p.stats else {
                    return TrendRowView.Point(mean: Self.missing, p95: Self.missing, hasData: false, marks: "", cell: Self.missing)
                }
                let mean = Units.value(st.summary.mean, s.resource)
                let p95 = Units.value(st.summary.p95, s.resource)
                let marks = st.partial ? Self.partialMark : ""
                return TrendRowView.Point(mean: mean, p95: p95, hasData: true, marks: marks, cell: "\(mean) (p95 \(p95))\(marks)")
            })
    }

    /// The change points of one trend line, as chart marks.
    func marks(_ a: TrendAnalysis, _ key: RowKey, _ statistic: TrendStatistic) -> [(index: Int, title: String, up: Bool)] {
        let line = a.lines.first { $0.key == key && $0.statistic == statistic }
        return (line?.changePoints ?? []).map { changeMark($0, statistic) }
    }

    /// The tooltip and direction of a change point's ring.
    func changeMark(_ c: ChangePoint, _ statistic: TrendStatistic) -> (index: Int, title: String, up: Bool) {
        (
            c.index,
            "change point \(c.id) at \(c.buildText): \(statistic.rawValue) \(Units.value(c.meanBefore, c.resource)) → "
                + "\(Units.value(c.meanAfter, c.resource)) (\(Units.deltaPct(c.changePct)), p \(Self.probability(c.pValue)))",
            c.direction == .regression
        )
    }

    func trendCharts(_ r: PeriodicReport) -> [ChartView] {
        var charts: [ChartView] = []
        for res in Resource.allCases {
            if let total = r.trends.first(where: { $0.key == .total(res) }) {
                charts.append(
                    Charts.lines(
                        title: "Platform \(resourceName(res)) per build", resource: res, xLabels: r.builds,
                        lines: [
                            .init(
                                label: "p95", cssClass: "s-a dashed", values: total.points.map { $0.stats?.summary.p95 },
                                marks: marks(r.changes, total.key, .p95)),
                            .init(
                                label: "mean", cssClass: "s-b", values: total.points.map { $0.stats?.summary.mean },
                                marks: marks(r.changes, total.key, .mean)),
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
                                values: s.points.map { $0.stats?.summary.mean },
                                marks: marks(r.changes, s.key, .mean))
                        }))
            }
        }
        return charts
    }
}
