import FedCore
import Foundation

/// What `report` and `nightly` tell a webhook about new findings: one line of text per finding for
/// a chat (Slack's incoming webhooks read `text`), and the same findings as fields in `summary`
/// for any other receiver.
///
///     {"summary": {"build": …, "distribution": …, "findings": [{…}], "report": …}, "text": "…"}
///
/// Each finding carries `kind` (`regression`, `change-point` or `budget`), `id`, `scope`
/// (`total`, `category:<name>` or the component), `resource`, `unit` and `build`; regressions and
/// change points `before`, `after` and `change_pct`, budgets `value`, `limit` and `headroom`;
/// a provisional change point `provisional_until`, the newest build it may still move up to. A
/// field that does not apply to a kind is null. Keys are sorted, so the body is the same for the
/// same findings.
package struct NotificationSummary: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable {
        case regression
        case changePoint = "change-point"
        case budget
    }

    /// One new regression, change point or exceeded budget.
    package struct Finding: Sendable, Equatable {
        package var kind: Kind
        package var id: String
        /// `total`, `category:<name>` or the component's name.
        package var scope: String
        package var resource: Resource
        /// B of a regression, the first build of a change point's new level, the build held
        /// against a budget.
        package var build: String
        /// The means before and after a regression or change point (cores or bytes).
        package var before: Double?
        package var after: Double?
        /// A budget's measured value and its limit (cores or bytes).
        package var value: Double?
        package var limit: Double?
        /// A provisional change point's newest build: the change may still move up to it.
        package var provisionalUntil: String?

        package init(
            kind: Kind, id: String, scope: String, resource: Resource, build: String, before: Double? = nil, after: Double? = nil,
            value: Double? = nil, limit: Double? = nil
        ) {
            self.kind = kind
            self.id = id
            self.scope = scope
            self.resource = resource
            self.build = build
            self.before = before
            self.after = after
            self.value = value
            self.limit = limit
        }

        /// A change point (see ``ChangePoint/provisionalUntil``).
        package static func changePoint(_ c: ChangePoint) -> Finding {
            let scope =
                switch c.level {
                case .total: "total"
                case .category: "category:\(c.name)"
                case .component: c.name
                }
            var finding = Finding(
                kind: .changePoint, id: c.id, scope: scope, resource: c.resource, build: c.build, before: c.meanBefore,
                after: c.meanAfter)
            finding.provisionalUntil = c.provisionalUntil
            return finding
        }

        /// An exceeded budget of `build`.
        package static func budget(_ status: BudgetStatus, build: String) -> Finding {
            Finding(
                kind: .budget, id: status.id, scope: status.scope.description, resource: status.resource, build: build,
                value: status.value, limit: status.limit)
        }

        /// `after` against `before`, in percent; nil without both or when `before` is 0.
        package var changePct: Double? {
            guard let before, let after, before != 0 else { return nil }
            return (after / before - 1) * 100
        }

        /// `limit − value`, negative when exceeded.
        package var headroom: Double? {
            guard let value, let limit else { return nil }
            return limit - value
        }

        /// One line for a chat: "regression `6358e6db15`: console-operator cpu +38.4 % (12.0 m → 16.6 m) at 4.7.0".
        package var line: String {
            let what = "\(scope) \(resource.rawValue)"
            switch kind {
            case .regression, .changePoint:
                var text = "\(kind == .regression ? "regression" : "change point") `\(id)`: \(what) \(Units.deltaPct(changePct))"
                if let before, let after { text += " (\(Units.value(before, resource)) → \(Units.value(after, resource)))" }
                text += " at \(build)"
                if let provisionalUntil { text += " (provisional: may move up to \(provisionalUntil))" }
                return text
            case .budget:
                let limitText = limit.map { KubernetesQuantity.format($0, resource) } ?? "n/a"
                guard let value, let headroom else { return "budget `\(id)`: \(what) not measured against its \(limitText) budget" }
                return "budget `\(id)`: \(what) \(KubernetesQuantity.format(value, resource)) in \(build), "
                    + (headroom < 0
                        ? "over its \(limitText) budget by \(KubernetesQuantity.format(-headroom, resource))"
                        : "within its \(limitText) budget")
            }
        }
    }

    package var distribution: String
    /// The newest build of the report.
    package var build: String
    /// Where the report is: its link under `report.base_url`, or its path.
    package var report: String
    package var findings: [Finding]

    /// At most this many findings are listed in `text`; `summary` carries every one.
    package static let textLimit = 20

    package init(distribution: String, build: String, report: String, findings: [Finding]) {
        self.distribution = distribution
        self.build = build
        self.report = report
        self.findings = findings
    }

    /// The chat message: a headline with the report, then one line per finding. `&`, `<` and `>`
    /// are escaped as Slack asks, since component and build names are data.
    package var text: String {
        let count = findings.count == 1 ? "1 new finding" : "\(findings.count) new findings"
        var lines = ["fedreport: \(count) in \(distribution) \(build). Report: \(report)"]
        lines += findings.prefix(Self.textLimit).map { "• " + $0.line }
        if findings.count > Self.textLimit { lines.append("… and \(findings.count - Self.textLimit) more in the report") }
        return Self.slackEscaped(lines.joined(separator: "\n"))
    }

    /// The JSON body to POST: `{"summary": {…}, "text": "…"}`.
    package func payload() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every number is finite or left out (Body encodes nil for the rest), so this cannot throw.
        guard let data = try? encoder.encode(Body(summary: self, text: text)) else { return [] }
        return Array(data)
    }

    static func slackEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }

    private struct Body: Encodable {
        var summary: NotificationSummary
        var text: String
    }
}

extension NotificationSummary: Encodable {
    private enum CodingKeys: String, CodingKey {
        case distribution, build, report, findings
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(distribution, forKey: .distribution)
        try c.encode(build, forKey: .build)
        try c.encode(report, forKey: .report)
        try c.encode(findings, forKey: .findings)
    }
}

extension NotificationSummary.Finding: Encodable {
    private enum CodingKeys: String, CodingKey {
        case kind, id, scope, resource, unit, build, before, after, changePct = "change_pct", value, limit, headroom
        case provisionalUntil = "provisional_until"
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ v: Double?, _ key: CodingKeys) throws { try c.encode(v.flatMap { $0.isFinite ? $0 : nil }, forKey: key) }
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(id, forKey: .id)
        try c.encode(scope, forKey: .scope)
        try c.encode(resource.rawValue, forKey: .resource)
        try c.encode(resource.unit, forKey: .unit)
        try c.encode(build, forKey: .build)
        try number(before, .before)
        try number(after, .after)
        try number(changePct, .changePct)
        try number(value, .value)
        try number(limit, .limit)
        try number(headroom, .headroom)
        try c.encode(provisionalUntil, forKey: .provisionalUntil)
    }
}
