import FedCore

/// Jira wiki markup for a ticket or a comment: the headline, the regressions, improvements and
/// change points (each with its id, for acks.yaml), the platform totals and data-quality
/// warnings; with `--only-regressions`, only the headline, regressions, change points and
/// data quality. Regressions are red (`{color}`), improvements green.
///
/// Jira refuses a comment longer than 32,767 characters: a longer text is cut at a line and
/// ends with a line that says where the whole report is. Text from data is escaped: a
/// backslash before each character Jira reads as markup, and a backslash itself as `&#92;`
/// (a backslash before a markup character is an escape in Jira, so it cannot stand for itself).
package struct JiraRenderer: Sendable {
    /// Jira's longest comment, in UTF-16 code units (Java string length).
    package static let limit = 32_767

    package init() {}

    static let red = "#c53030"
    static let green = "#2f855a"

    package func render(_ c: Comparison, context: RenderContext) -> String {
        var lines = ["h2. \(e("Resource comparison: \(c.a.build) → \(c.b.build)"))", ""]
        lines += headline(c) + [""] + sides([("A", c.a), ("B", c.b)] + (c.baseline.map { [("Baseline", $0)] } ?? []))
        if !context.onlyRegressions {
            lines += targets(c.targets, limit: 5, build: c.b.build) + breakdown(c.breakdown, limit: 5, step: "\(c.a.build) → \(c.b.build)")
        }
        lines += budgets(c.budgets, build: c.b.build, onlyExceeded: context.onlyRegressions)
        lines += changes(c.regressions, title: "Regressions", pair: c) + ["", acknowledgedLine(c.regressions)]
        if !context.onlyRegressions {
            lines += changes(c.improvements, title: "Improvements", pair: c)
            lines += totals(c)
        }
        lines += dataQuality(c.dataQuality)
        return Self.fit(lines + footer(context), fullReport: context.fullReport)
    }

    package func render(_ r: PeriodicReport, context: RenderContext) -> String {
        var lines = [
            "h2. \(e("Resource report: \(r.distribution) \(r.newest)"))", "",
            e("Newest build \(r.newest) of \(r.distribution), with the trend over \(r.builds.count) builds."), "",
        ]
        if let c = r.comparison {
            lines += ["h3. \(e("\(c.a.build) → \(c.b.build)"))"] + headline(c) + [""]
            lines += sides([("A", c.a), ("B", c.b)] + (c.baseline.map { [("Baseline", $0)] } ?? []))
            lines += targets(r.targets, limit: 3, build: r.newest) + budgets(r.budgets, build: r.newest, onlyExceeded: true)
            lines += changes(c.regressions, title: "Regressions", pair: c) + ["", acknowledgedLine(c.regressions)]
            if !context.onlyRegressions { lines += changes(c.improvements, title: "Improvements", pair: c) }
        } else {
            lines.append(e("Only one build of \(r.distribution) is stored: nothing to compare it with yet."))
            lines += targets(r.targets, limit: 3, build: r.newest) + budgets(r.budgets, build: r.newest, onlyExceeded: true)
        }
        lines += changePoints(r.changes)
        if !context.onlyRegressions {
            if let c = r.comparison { lines += breakdown(c.breakdown, limit: 5, step: "\(c.a.build) → \(c.b.build)") }
            lines += progress(r.changes)
        }
        if !context.onlyRegressions, let c = r.comparison { lines += totals(c) }
        lines += dataQuality(r.dataQuality) + legend(r.builds)
        return Self.fit(lines + footer(context), fullReport: context.fullReport)
    }

    package func render(_ m: MultiComparison, context: RenderContext) -> String {
        var lines = ["h2. \(e("Resource comparison: " + m.builds.map(\.build).joined(separator: " → ")))", ""]
        for total in m.totals {
            let steps = zip(m.builds, total.stats).enumerated().map { i, pair -> String in
                let mean = v(pair.1?.summary.mean, total.resource)
                guard i > 0 else { return "\(e(pair.0.build)) \(mean)" }
                let step = total.steps[i - 1]
                return "\(e(pair.0.build)) \(mean) (\(colored(Units.deltaPct(step?.deltaPct?.mean), step?.verdict)) "
                    + "vs \(e(m.builds[i - 1].build)), \(e(step?.verdict.rawValue ?? "insufficient-data"))\(step.map { notes($0, m.options) } ?? "")"
                    + (i > 1 ? "; \(e(Units.deltaPct(total.deltaPctVsFirst[i]))) vs \(e(m.builds[0].build)))" : ")")
            }
            lines.append("* *Platform \(total.resource == .cpu ? "CPU" : "memory")*: " + steps.joined(separator: "; "))
        }
        lines.append("")
        lines += sides(m.builds.enumerated().map { (String($0 + 1), $1) } + (m.baseline.map { [("Baseline", $0)] } ?? []))
        let last = m.builds.last?.build ?? ""
        if !context.onlyRegressions {
            lines += targets(m.targets, limit: 5, build: last)
            lines += breakdown(m.breakdown, limit: 5, step: "\(m.builds.first?.build ?? "") → \(last)")
        }
        lines += budgets(m.budgets, build: last, onlyExceeded: context.onlyRegressions)
        let regressions = m.pairs.flatMap { pair in pair.regressions.map { (pair, $0) } }
        lines += stepChanges(regressions, title: "Regressions") + ["", acknowledgedLine(regressions.map(\.1))]
        if !context.onlyRegressions {
            lines += stepChanges(m.pairs.flatMap { pair in pair.improvements.map { (pair, $0) } }, title: "Improvements")
            lines += ["", "h3. Platform totals", "||Resource||" + m.builds.map { e($0.build) }.joined(separator: "||") + "||"]
            for total in m.totals {
                let cells = total.stats.enumerated().map { i, s -> String in
                    let mean = v(s?.summary.mean, total.resource)
                    guard i > 0 else { return mean }
                    // The step's change, coloured by its verdict.
                    let step = total.steps[i - 1]
                    return "\(mean) (\(colored(Units.deltaPct(step?.deltaPct?.mean), step?.verdict)))"
                }
                lines.append("|\(total.resource == .cpu ? "CPU" : "memory")|" + cells.joined(separator: "|") + "|")
            }
        }
        lines += dataQuality(m.dataQuality)
        return Self.fit(lines + footer(context), fullReport: context.fullReport)
    }

    package func render(_ a: TrendAnalysis, context: RenderContext) -> String {
        var lines = [
            "h2. \(e("Change points: \(a.distribution)"))", "",
            e("Over \(a.builds.count) builds" + (a.builds.isEmpty ? "." : " (\(a.builds.first!) … \(a.builds.last!)).")),
        ]
        lines += changePoints(a) + progress(a) + legend(a.builds)
        return Self.fit(lines + footer(context), fullReport: context.fullReport)
    }

    // MARK: Sections

    func headline(_ c: Comparison) -> [String] {
        c.totals.map { r in
            let word = r.resource == .cpu ? "CPU" : "memory"
            var line =
                "* *Platform \(word)*: \(v(r.a?.summary.mean, r.resource)) → \(v(r.b?.summary.mean, r.resource)), "
                + "\(colored(Units.deltaPct(r.deltaPct?.mean), r.verdict)) (mean; p95 \(e(Units.deltaPct(r.deltaPct?.p95)))): "
                + "\(e(r.verdict.rawValue))\(notes(r, c.options))"
            if let base = c.baseline {
                let figure = r.baseline == nil ? "no data" : v(r.baseline?.summary.mean, r.resource)
                line +=
                    "; \(e("\(base.distribution) \(base.build)")) \(figure) (\(e(Units.deltaPct(r.deltaPctVsBaseline?.mean))) against it)"
            }
            return line
        }
    }

    func sides(_ sides: [(String, SideInfo)]) -> [String] {
        sides.map { label, s in
            "* \(label): \(e(s.build)) (\(e(s.distribution)), \(s.snapshots) snapshot\(s.snapshots == 1 ? "" : "s"), "
                + "\(e(s.clusterList(inline: true))))"
        }
    }

    func changes(_ rows: [ComparisonRow], title: String, pair: Comparison) -> [String] {
        stepChanges(rows.map { (pair, $0) }, title: title, withStep: false)
    }

    /// A table of regressions or improvements; `withStep` adds the pair's builds.
    func stepChanges(_ rows: [(Comparison, ComparisonRow)], title: String, withStep: Bool = true) -> [String] {
        var lines = ["", "h3. \(title) (\(rows.count))"]
        guard !rows.isEmpty else { return lines + ["None."] }
        lines.append(
            "||Id||" + (withStep ? "Step||" : "") + "Level||Name||Resource||A mean||B mean||Δ mean||Confidence||Acknowledged||")
        for (pair, r) in rows {
            let a = v(r.a?.summary.mean, r.resource)
            let b = v(r.b?.summary.mean, r.resource)
            let step = withStep ? "\(e("\(pair.a.build) → \(pair.b.build)"))|" : ""
            let ack = r.acknowledgement.map { e("acknowledged (\($0.ticket))") } ?? " "
            lines.append(
                "|\(r.id)|\(step)\(r.level.rawValue)|\(e(r.name))|\(r.resource == .cpu ? "CPU" : "memory")|\(a)|\(b)|"
                    + "\(colored(Units.deltaPct(r.deltaPct?.mean), r.verdict))|\(e(confidenceText(r)))|\(ack)|")
        }
        return lines
    }

    func acknowledgedLine(_ regressions: [ComparisonRow]) -> String {
        let n = regressions.filter { $0.acknowledgement != nil }.count
        return n == 0 ? "" : e(ViewModel.acknowledgedNote(n).capitalizedFirst + ".")
    }

    func totals(_ c: Comparison) -> [String] {
        var lines = ["", "h3. Platform totals", "||Resource||A mean||B mean||Δ mean||Δ p95||Verdict||"]
        for r in c.totals {
            lines.append(
                "|\(r.resource == .cpu ? "CPU" : "memory")|\(v(r.a?.summary.mean, r.resource))|\(v(r.b?.summary.mean, r.resource))|"
                    + "\(colored(Units.deltaPct(r.deltaPct?.mean), r.verdict))|\(e(Units.deltaPct(r.deltaPct?.p95)))|"
                    + "\(e(r.verdict.rawValue))\(notes(r, c.options))|")
        }
        return lines
    }

    func changePoints(_ a: TrendAnalysis) -> [String] {
        let points = a.distinctChangePoints
        var lines = ["", "h3. Change points (\(points.count))"]
        if let message = a.notEnoughBuildsMessage { return lines + [e(message.capitalizedFirst + ".")] }
        guard !points.isEmpty else { return lines + ["None over the \(a.builds.count) builds."] }
        lines.append("||Id||Level||Name||Resource||First build||Found on||Before||After||Change||p||Acknowledged||")
        let labels = BuildLabels(a.builds)
        for c in points {
            let verdict: Verdict = c.direction == .regression ? .regression : .improvement
            let ack = c.acknowledgement.map { e("acknowledged (\($0.ticket))") } ?? " "
            lines.append(
                "|\(c.id)|\(c.level.rawValue)|\(e(c.name))|\(c.resource == .cpu ? "CPU" : "memory")|\(e(c.buildText { labels($0) }))|"
                    + "\(a.statistics(of: c.id).map(\.rawValue).joined(separator: ", "))|\(v(c.meanBefore, c.resource))|"
                    + "\(v(c.meanAfter, c.resource))|\(colored(Units.deltaPct(c.changePct), verdict))|"
                    + "\(e(ViewModel.probability(c.pValue)))|\(ack)|")
        }
        return lines
    }

    func dataQuality(_ q: DataQuality) -> [String] {
        let warnings = DataQualitySummary.sentences(q)
        return ["", "h3. Data quality"] + (warnings.isEmpty ? ["No warnings."] : warnings.map { "* " + e($0) })
    }

    func footer(_ context: RenderContext) -> [String] {
        let text = "Generated \(Units.time(context.generatedAt)) by fedreport \(context.version)"
        // A published report is a link a ticket reader can follow; a local path is only text.
        if let link = context.link { return ["", "_\(e(text)); the full report: [\(Self.linkTarget(link))]_"] }
        if let full = context.fullReport { return ["", "_\(e(text + "; the full report: \(full)."))_"] }
        return ["", "_\(e(text + "."))_"]
    }

    /// A URL inside Jira's `[…]` link markup: `|`, `[` and `]` would end or split the link.
    static func linkTarget(_ url: String) -> String {
        url.replacingOccurrences(of: "|", with: "%7C").replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
    }

    // MARK: Text

    /// " · threshold only", " · within the 5 m floor", " · acknowledged (T-1)" after a verdict, escaped.
    func notes(_ r: ComparisonRow, _ o: CompareOptions) -> String {
        var out = ""
        if (r.verdict == .regression || r.verdict == .improvement) && r.basis == .thresholdOnly { out += " · threshold only" }
        out += e(ViewModel.floorNote(r, o))
        if let a = r.acknowledgement { out += " · " + e("acknowledged (\(a.ticket))") }
        return out
    }

    func confidenceText(_ r: ComparisonRow) -> String { ViewModel.confidence(r) }

    /// `text` in red for a regression, green for an improvement.
    func colored(_ text: String, _ verdict: Verdict?) -> String {
        switch verdict {
        case .regression: "{color:\(Self.red)}\(e(text)){color}"
        case .improvement: "{color:\(Self.green)}\(e(text)){color}"
        default: e(text)
        }
    }

    func e(_ s: String) -> String { Self.escape(s) }

    /// A value in human units, escaped; "—" without one.
    func v(_ value: Double?, _ resource: Resource) -> String { value.map { e(Units.value($0, resource)) } ?? "—" }

    /// Escapes text for Jira wiki markup: a backslash before `* _ - + ^ ~ ? ! # | { } [ ]`,
    /// `&#92;` for a backslash, and a space for a line break.
    package static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "*", "_", "-", "+", "^", "~", "?", "!", "#", "|", "{", "}", "[", "]":
                out.append("\\")
                out.append(ch)
            case "\\": out += "&#92;"
            case "\n", "\r", "\r\n", "\t": out.append(" ")
            default: out.append(ch)
            }
        }
        return out
    }

    /// The lines joined, cut at a line so that with a last line naming `fullReport` the text
    /// stays within ``limit``.
    static func fit(_ lines: [String], fullReport: String?, limit: Int = limit) -> String {
        let whole = lines.joined(separator: "\n") + "\n"
        guard whole.utf16.count > limit else { return whole }
        let last =
            "_"
            + escape(
                "Cut to stay within Jira's \(limit)-character limit; the full report: \(fullReport ?? "run fedreport with --format html").")
            + "_"
        var out = ""
        var used = last.utf16.count + 1
        for line in lines {
            let n = line.utf16.count + 1
            if used + n > limit { break }
            out += line + "\n"
            used += n
        }
        return out + last + "\n"
    }
}
