import FedCore
import Foundation

/// RFC 4180 CSV (``CSV``): CRLF line ends, fields quoted when they hold a comma, quote, CR or LF,
/// quotes doubled. One row per (component, category or total; resource; side). Text cells that a
/// spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading
/// `'`; numeric cells are written by us as plain numbers with at most 10 significant digits and
/// never altered, so a negative delta stays a number. Facts about the whole comparison that
/// qualify every row (`measurement-mismatch`, `cluster-sets-differ`) are added to each row's
/// `flags`, so a spreadsheet filter on one row still sees them.
package struct CSVRenderer: Sendable {
    package static let columns = [
        "level", "component", "category", "resource", "unit", "side", "build", "distribution", "snapshots", "samples",
        "coverage", "mean", "p50", "p95", "p99", "max", "min", "delta_pct_mean", "delta_pct_p95", "delta_pct_max",
        "verdict", "flags", "left_out", "p_value", "q_value", "ci95_low", "ci95_high", "hedges_g", "basis", "id", "acknowledged",
        "statistic", "mean_before", "nodes",
        // The answers' rows (CSVRenderer+Answers.swift).
        "share", "cumulative_share", "change", "baseline_mean", "baseline_ratio", "limit", "headroom", "exceeded", "rank",
    ]

    /// Empty cells for the columns after `left_out`, on rows that have none of them.
    static let noTail = [Cell](repeating: .text(""), count: 10)

    package init() {}

    enum Cell {
        case text(String)
        case number(Double?)
        case int(Int?)
    }

    package func render(_ c: Comparison) -> String {
        var out = line(Self.columns.map { .text($0) })
        for r in c.allRows { out += rows(r, c) }
        return out + answerRows(c)
    }

    /// The comparison's rows (when there are two builds), one `trend` row per build, then one
    /// `change-point` row per change point and statistic.
    package func render(_ r: PeriodicReport) -> String {
        var out = line(Self.columns.map { .text($0) })
        if let c = r.comparison { for row in c.allRows { out += rows(row, c) } }
        for t in r.trends {
            for p in t.points {
                out += line(
                    head(t.key) + [.text("trend"), .text(p.build), .text(r.distribution)]
                        + stats(p.stats) + [
                            .number(nil), .number(nil), .number(nil), .text(""), .text(""), .int(p.stats?.leftOutTimestamps),
                        ] + Self.noTail)
            }
        }
        out += changePointRows(r.changes)
        return out + answerRows(r)
    }

    /// Each pair's rows, the pair's B as the `b` side: a comparison of three or more builds is
    /// the comparisons of its consecutive pairs.
    package func render(_ m: MultiComparison) -> String {
        var out = line(Self.columns.map { .text($0) })
        for pair in m.pairs { for row in pair.allRows { out += rows(row, pair) } }
        return out + answerRows(m)
    }

    /// `fedreport trend`: one `trend` row per line and build (the value in the `mean` or `p95`
    /// column, as `statistic` says), then the `change-point` rows.
    package func render(_ a: TrendAnalysis) -> String {
        var out = line(Self.columns.map { .text($0) })
        for l in a.lines {
            for (build, value) in zip(a.builds, l.values) {
                var figures = [Cell](repeating: .number(nil), count: 9)
                figures[l.statistic == .mean ? 3 : 5] = .number(value)
                out += line(
                    head(l.key) + [.text("trend"), .text(build), .text(a.distribution)] + figures
                        + [.number(nil), .number(nil), .number(nil), .text(""), .text(""), .int(nil)]
                        + Self.noTail.dropLast(2) + [.text(l.statistic.rawValue), .number(nil)])
            }
        }
        out += changePointRows(a)
        return out + answerRows(a)
    }

    /// `side` = `change-point`, `build` = the first build of the new regime, `mean` = the mean
    /// after, `mean_before`, `delta_pct_mean` = the change, `verdict` = the direction.
    func changePointRows(_ a: TrendAnalysis) -> String {
        a.lines.flatMap { l in
            l.changePoints.map { c in
                var figures = [Cell](repeating: .number(nil), count: 9)
                figures[3] = .number(c.meanAfter)
                return line(
                    head(c.key) + [.text("change-point"), .text(c.build), .text(a.distribution)]
                        + figures + [
                            .number(c.changePct), .number(nil), .number(nil), .text(c.direction.rawValue),
                            .text(c.provisional ? "provisional" : ""), .int(nil),
                        ]
                        + [
                            .number(c.pValue), .number(nil), .number(nil), .number(nil), .number(nil), .text(""), .text(c.id),
                            .text(c.acknowledgement?.ticket ?? ""), .text(l.statistic.rawValue), .number(c.meanBefore),
                        ])
            }
        }.joined()
    }

    func head(_ key: RowKey) -> [Cell] {
        [
            .text(key.level.rawValue), .text(key.level == .component ? key.name : ""), .text(key.category?.rawValue ?? ""),
            .text(key.resource.rawValue), .text(key.resource.unit),
        ]
    }

    func stats(_ s: SideStats?) -> [Cell] {
        guard let s else { return [.int(nil), .int(nil), .number(nil)] + Array(repeating: .number(nil), count: 6) }
        let m = s.summary
        return [
            .int(s.snapshots), .int(m.samples), .number(m.coverage), .number(m.mean), .number(m.p50), .number(m.p95),
            .number(m.p99), .number(m.max), .number(m.min),
        ]
    }

    /// Rows of the sides A, B and (category and total rows with a baseline) baseline. Deltas are on
    /// the `b` row (B against A) and on the `baseline` row (B against the baseline).
    func rows(_ r: ComparisonRow, _ c: Comparison) -> String {
        var sides: [(Side, SideInfo, SideStats?, DeltaPct?)] = [(.a, c.a, r.a, nil), (.b, c.b, r.b, r.deltaPct)]
        if let base = c.baseline, r.level != .component { sides.append((.baseline, base, r.baseline, r.deltaPctVsBaseline)) }
        var flagNames = r.flags.map(\.rawValue)
        if c.dataQuality.measurementMismatch { flagNames.append("measurement-mismatch") }
        if c.dataQuality.clusterSetsDiffer { flagNames.append("cluster-sets-differ") }
        if c.dataQuality.nodeCountsDiffer { flagNames.append("node-counts-differ") }
        if !c.dataQuality.overlaps.isEmpty { flagNames.append("overlapping-snapshots") }
        for r in Resource.allCases where c.dataQuality.notMeasured.contains(where: { $0.resource == r }) {
            flagNames.append("\(r.rawValue)-not-measured")
        }
        if r.level == .total, c.dataQuality.incompleteQueries.contains(where: { $0.resource == r.resource }) {
            flagNames.append("incomplete-total")
        }
        let flags = flagNames.joined(separator: ";")
        let tail: [Cell] = [
            .number(r.pValue), .number(r.qValue), .number(r.confidence?.low), .number(r.confidence?.high),
            .number(r.confidence?.hedgesG), .text(r.basis?.rawValue ?? ""), .text(r.id), .text(r.acknowledgement?.ticket ?? ""),
            .text(""), .number(nil),
        ]
        return sides.map { side, info, stats, delta in
            line(
                head(r.key) + [.text(side.rawValue), .text(info.build), .text(info.distribution)]
                    + self.stats(stats) + [.number(delta?.mean), .number(delta?.p95), .number(delta?.max)]
                    + [.text(r.verdict.rawValue), .text(flags), .int(stats?.leftOutTimestamps)] + tail + [.int(Self.nodes(info))])
        }.joined()
    }

    /// The nodes of a side's clusters together, when every one of them has a count.
    static func nodes(_ side: SideInfo) -> Int? {
        guard !side.nodes.isEmpty, side.nodes.count == side.clusters.count else { return nil }
        return side.nodes.reduce(0) { $0 + $1.count }
    }

    /// One CSV line; rows with fewer cells than columns (trend and change-point rows have no
    /// node count) end in empty cells.
    func line(_ cells: [Cell]) -> String {
        let padded = cells + [Cell](repeating: .text(""), count: max(0, Self.columns.count - cells.count))
        return padded.map { cell in
            switch cell {
            case .text(let s): CSV.field(Self.neutralise(s))
            case .number(let d): d.map { $0.isFinite ? Self.number($0) : "" } ?? ""
            case .int(let i): i.map(String.init) ?? ""
            }
        }.joined(separator: ",") + CSV.lineEnd
    }

    /// A number rounded to 10 significant digits, in the shortest plain form that reads back as
    /// that rounded value: `0.11979875`, not `0.11979875000000005`. JSON keeps every digit.
    package static func number(_ d: Double) -> String {
        guard d.isFinite, let rounded = Double(String(format: "%.10g", d)) else { return "" }
        return JSONValue.format(rounded == 0 ? 0 : rounded)
    }

    /// Prefixes `'` to text a spreadsheet would evaluate as a formula.
    package static func neutralise(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first) ? "'" + s : s
    }
}
