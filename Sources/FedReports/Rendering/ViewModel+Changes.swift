import FedCore
import Foundation

/// Views of change points, of `fedreport trend` and of comparisons of three or more builds.
extension ViewModel {
    // MARK: Change points

    func changePoints(_ a: TrendAnalysis) -> ChangePointsView {
        let points = a.distinctChangePoints.map { changePoint($0, statistics: a.statistics(of: $0.id)) }
        let o = a.options
        let method =
            "E-divisive means (Matteson and James) over the \(a.builds.count) builds, as Hunter uses it: a change point needs "
            + "p < \(String(format: "%g", o.pMax)) in a t-test against the builds up to its neighbouring change points, a change "
            + "of the mean above \(Units.percentSetting(o.threshold)) and \(o.minSegment) builds on each side. "
            + "The first build of the new regime names it."
        return ChangePointsView(
            notEnoughBuilds: a.notEnoughBuilds, notEnoughMessage: a.notEnoughBuildsMessage.map { $0.capitalizedFirst + "." } ?? "",
            hasChangePoints: !points.isEmpty, points: points, count: points.count, buildCount: a.builds.count, method: method)
    }

    func changePoint(_ c: ChangePoint, statistics: [TrendStatistic]) -> ChangePointView {
        ChangePointView(
            id: c.id, level: c.level.rawValue, name: t(c.name), resource: resourceName(c.resource), build: t(c.buildText { labels($0) }),
            statistics: statistics.map(\.rawValue).joined(separator: ", "), before: Units.value(c.meanBefore, c.resource),
            after: Units.value(c.meanAfter, c.resource), change: Units.deltaPct(c.changePct), p: Self.probability(c.pValue),
            direction: c.direction.rawValue, directionClass: c.direction == .regression ? "bad" : "good",
            ack: c.acknowledgement.map { t("acknowledged (\($0.ticket))") } ?? "")
    }

    /// One chart per row with a change point (at most 12): its mean and p95 per build, each
    /// change ringed on the line it was found on.
    func changeCharts(_ a: TrendAnalysis) -> [ChartView] {
        var charts: [ChartView] = []
        var seen = Set<String>()
        for point in a.distinctChangePoints where charts.count < 12 {
            let key = "\(point.level)|\(point.name)|\(point.resource)"
            guard seen.insert(key).inserted else { continue }
            let lines = a.lines.filter { $0.level == point.level && $0.name == point.name && $0.resource == point.resource }
            let drawn = lines.sorted { $0.statistic == .p95 && $1.statistic == .mean }.map { line in
                Charts.Line(
                    label: line.statistic.rawValue, cssClass: line.statistic == .mean ? "s-b" : "s-a dashed", values: line.values,
                    marks: line.changePoints.map { changeMark($0, line.statistic) })
            }
            let level = point.level == .component ? "" : (point.level == .category ? " (category)" : "")
            charts.append(
                Charts.lines(
                    title: "\(point.name)\(level) \(resourceName(point.resource)) per build, change points ringed",
                    resource: point.resource, xLabels: a.builds, lines: drawn))
        }
        return charts
    }

    // MARK: fedreport trend

    func trend(_ a: TrendAnalysis) -> TrendView {
        let withPoints = a.lines.filter { !$0.changePoints.isEmpty }
        let lines = (withPoints.isEmpty && a.lines.count <= 4 ? a.lines : withPoints).map { line in
            TrendView.Line(
                level: line.level.rawValue, name: t(line.name), resource: resourceName(line.resource),
                statistic: line.statistic.rawValue,
                cells: line.values.enumerated().map { i, v in
                    guard let v else { return Self.missing }
                    let mark = line.changePoints.first { $0.index == i }.map { $0.direction == .regression ? "▲ " : "▼ " } ?? ""
                    return mark + Units.value(v, line.resource)
                })
        }
        let short = a.notEnoughBuilds ? [] : a.lines.filter { !$0.enoughValues }
        let shortNames = short.map { "\($0.name) \($0.resource.rawValue) \($0.statistic.rawValue)" }
        return TrendView(
            generatedAt: generatedAt, version: t(context.version), link: context.link, hasLink: context.link != nil,
            title: t("Change points: \(a.distribution)"),
            distribution: t(a.distribution), builds: a.builds.map(buildColumn), buildCount: a.builds.count,
            buildRange: t(a.builds.count > 1 ? "\(a.builds.first!) … \(a.builds.last!)" : a.builds.first ?? ""),
            changePoints: changePoints(a), lines: lines, hasLines: !lines.isEmpty,
            shortLines: t(shortNames.joined(separator: ", ")), hasShortLines: !short.isEmpty,
            changeCharts: style == .html ? changeCharts(a) : [])
    }

    // MARK: Three or more builds

    func multi(_ m: MultiComparison) -> MultiView {
        func changes(_ pick: (Comparison) -> [ComparisonRow]) -> [MultiView.Change] {
            m.pairs.flatMap { pair in pick(pair).map { MultiView.Change(from: t(pair.a.build), to: t(pair.b.build), row: row($0, pair)) } }
        }
        let regressions = changes(\.regressions)
        let improvements = changes(\.improvements)
        let builds = m.builds.enumerated().map { i, b in
            MultiView.Build(
                position: String(i + 1), build: t(b.build), column: buildColumn(b.build), distribution: t(b.distribution),
                snapshots: b.snapshots,
                snapshotsWord: b.snapshots == 1 ? "snapshot" : "snapshots", clusters: t(b.clusters.joined(separator: ", ")))
        }
        let acknowledged = m.regressions.count - m.unacknowledgedRegressions.count
        let cautions = m.pairs.flatMap { pair in
            [clusterCaution(pair, a: pair.a.build, b: pair.b.build), nodeCaution(pair, a: pair.a.build, b: pair.b.build)]
                .compactMap { $0 }
        }
        return MultiView(
            generatedAt: generatedAt, version: t(context.version), link: context.link, hasLink: context.link != nil,
            partialMark: Self.partialMark,
            lowCoverageMark: Self.lowCoverageMark,
            title: t("Resource comparison: " + m.builds.map(\.build).joined(separator: " → ")), builds: builds,
            hasBaseline: m.baseline != nil, baseline: m.baseline.map(side), options: options(m.options),
            headline: m.totals.map { multiRow($0, m) }, cautions: cautions, hasCautions: !cautions.isEmpty, regressions: regressions,
            hasRegressions: !regressions.isEmpty,
            regressionCount: regressions.count, improvements: improvements, hasImprovements: !improvements.isEmpty,
            improvementCount: improvements.count, totals: m.totals.map { multiRow($0, m) },
            categories: m.categories.map { multiRow($0, m) }, components: m.components.map { multiRow($0, m) },
            hasComponents: !m.components.isEmpty, dataQuality: dataQuality(m.dataQuality), provenance: provenance(m.provenance),
            full: !context.onlyRegressions, acknowledgedNote: Self.acknowledgedNote(acknowledged), hasAcknowledged: acknowledged > 0,
            charts: style == .html ? multiCharts(m) : [])
    }

    /// Mean CPU and memory of the total and each category, a bar per build in order.
    func multiCharts(_ m: MultiComparison) -> [ChartView] {
        let colours = ["s-a", "s-b", "s-base", "c-networking", "c-monitoring", "c-node", "c-operators", "c-storage"]
        let series = m.builds.enumerated().map { i, b in Charts.Series(label: b.build, cssClass: colours[i % colours.count]) }
        return Resource.allCases.compactMap { res in
            let rows = m.totals.filter { $0.resource == res } + m.categories.filter { $0.resource == res }
            guard !rows.isEmpty else { return nil }
            return Charts.groupedBars(
                title: "Mean \(resourceName(res)) by category, per build", resource: res, series: series,
                groups: rows.map { Charts.Group(label: $0.name, values: $0.stats.map { $0?.summary.mean }) })
        }
    }

    func multiRow(_ r: MultiRow, _ m: MultiComparison) -> MultiView.Row {
        let cells = r.stats.enumerated().map { i, s -> MultiView.Cell in
            let mean = s.map { Units.value($0.summary.mean, r.resource) } ?? Self.missing
            guard i > 0 else {
                return MultiView.Cell(
                    build: t(m.builds[i].build), mean: mean, delta: "", hasDelta: false, verdict: "", verdictClass: "", note: "",
                    vsFirst: "", hasVsFirst: false, text: mean)
            }
            let step = r.steps[i - 1]
            let verdict = step?.verdict ?? .insufficientData
            var note = ""
            if let step {
                if isChange(step) && step.basis == .thresholdOnly { note += " · threshold only" }
                note += Self.floorNote(step, m.options)
                if let ack = step.acknowledgement { note += t(" · acknowledged (\(ack.ticket))") }
            }
            // The step's own change, beside its verdict; the change against the first build
            // only where it is another step's (from the third build on), and labelled.
            let delta = Units.deltaPct(step?.deltaPct?.mean)
            let vsFirst = i > 1 ? t("\(Units.deltaPct(r.deltaPctVsFirst[i])) vs \(m.builds[0].build)") : ""
            return MultiView.Cell(
                build: t(m.builds[i].build), mean: mean, delta: delta, hasDelta: true, verdict: verdict.rawValue,
                verdictClass: verdictClass(verdict), note: note, vsFirst: vsFirst, hasVsFirst: i > 1,
                text: "\(mean) (\(delta) · \(verdict.rawValue)\(note)\(i > 1 ? "; " + vsFirst : ""))")
        }
        let flags = Set(r.steps.compactMap { $0 }.flatMap(\.flags))
        return MultiView.Row(
            level: r.level.rawValue, name: t(r.name), category: t(r.category?.rawValue ?? ""), resource: resourceName(r.resource),
            marks: (flags.contains(.partial) ? Self.partialMark : "") + (flags.contains(.lowCoverage) ? Self.lowCoverageMark : ""),
            cells: cells, hasBaseline: m.baseline != nil && r.level != .component,
            baseMean: r.baseline.map { Units.value($0.summary.mean, r.resource) } ?? Self.missing,
            dBase: Units.deltaPct(r.deltaPctLastVsBaseline))
    }
}

extension String {
    /// The text with its first letter in upper case.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
