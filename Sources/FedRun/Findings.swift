import FedCore
import FedReports

/// The lines `compare`, `report` and `nightly` print on stderr before the paths of the reports:
/// one per regression, change point and exceeded budget, with its id, what it is of, the change and the verdict,
/// so that a reader of a terminal or a cron mail sees what the files hold.
package enum Findings {
    /// `regression 1a2b3c4d5e: etcd cpu +12.4 % (4.6.1 → 4.6.8)`, one per regression, with
    /// `, acknowledged (TICKET)` for those acks.yaml acknowledges.
    package static func lines(_ comparison: Comparison) -> [String] {
        regressions(comparison) + budgets(comparison.exceededBudgets, build: comparison.b.build)
    }

    /// The regressions of every step of a comparison of three or more builds, then the budgets
    /// the last build exceeds.
    package static func lines(_ multi: MultiComparison) -> [String] {
        multi.pairs.flatMap(regressions) + budgets(multi.exceededBudgets, build: multi.builds.last?.build ?? "")
    }

    static func regressions(_ comparison: Comparison) -> [String] {
        comparison.regressions.map { row in
            "\(row.verdict.rawValue) \(row.id): \(name(row.key)) \(row.resource.rawValue) \(Units.deltaPct(row.deltaPct?.mean)) "
                + "(\(comparison.a.build) → \(comparison.b.build))" + acknowledged(row.acknowledgement)
        }
    }

    /// `budget 0a1b2c3d4e: total cpu 2.3 in 4.7.0, over its 2 budget by 300m`, one per exceeded budget.
    static func budgets(_ statuses: [BudgetStatus], build: String) -> [String] {
        statuses.compactMap { s in
            guard let value = s.value else { return nil }
            return "budget \(s.id): \(s.scope) \(s.resource.rawValue) \(KubernetesQuantity.format(value, s.resource)) in \(build), "
                + "over its \(KubernetesQuantity.format(s.limit, s.resource)) budget by \(KubernetesQuantity.format(value - s.limit, s.resource))"
                + acknowledged(s.acknowledgement)
        }
    }

    /// `change point 6358e6db15: console-operator cpu +38.4 % from 4.7.0-…, regression`, one per
    /// change (a change of the mean and the p95 at one build is one); a provisional one
    /// `change point … (provisional): … from 4.7.0-…-21 (may move up to 4.7.0-…-25), regression`.
    package static func lines(_ analysis: TrendAnalysis) -> [String] {
        analysis.distinctChangePoints.map { c in
            "\(c.label): \(name(c.key)) \(c.resource.rawValue) \(Units.deltaPct(c.changePct)) from \(c.fromText), "
                + c.direction.rawValue + acknowledged(c.acknowledgement)
        }
    }

    /// The regressions of the newest build against the one before it, the change points, then
    /// the budgets the newest build exceeds.
    package static func lines(_ report: PeriodicReport) -> [String] {
        (report.comparison.map(regressions) ?? []) + lines(report.changes) + budgets(report.exceededBudgets, build: report.newest)
    }

    /// What acks.yaml calls the row: the component, `category:<name>` or `total`.
    static func name(_ key: RowKey) -> String {
        switch key.level {
        case .component: key.name
        case .category: "category:\(key.name)"
        case .total: "total"
        }
    }

    static func acknowledged(_ ack: Acknowledgement?) -> String {
        ack.map { ", acknowledged (\($0.ticket))" } ?? ""
    }
}
