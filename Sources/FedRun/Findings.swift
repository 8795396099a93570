import FedCore
import FedReports

/// The lines `compare`, `report` and `nightly` print on stderr before the paths of the reports:
/// one per regression and change point, with its id, what it is of, the change and the verdict,
/// so that a reader of a terminal or a cron mail sees what the files hold.
package enum Findings {
    /// `regression 1a2b3c4d5e: etcd cpu +12.4 % (4.6.1 → 4.6.8)`, one per regression, with
    /// `, acknowledged (TICKET)` for those acks.yaml acknowledges.
    package static func lines(_ comparison: Comparison) -> [String] {
        comparison.regressions.map { row in
            "\(row.verdict.rawValue) \(row.id): \(name(row.key)) \(row.resource.rawValue) \(Units.deltaPct(row.deltaPct?.mean)) "
                + "(\(comparison.a.build) → \(comparison.b.build))" + acknowledged(row.acknowledgement)
        }
    }

    /// The regressions of every step of a comparison of three or more builds.
    package static func lines(_ multi: MultiComparison) -> [String] { multi.pairs.flatMap(lines) }

    /// `change point 6358e6db15: console-operator cpu +38.4 % from 4.7.0-…, regression`, one per
    /// change (a change of the mean and the p95 at one build is one); a provisional one
    /// `change point … (provisional): … from 4.7.0-…-21 (may move up to 4.7.0-…-25), regression`.
    package static func lines(_ analysis: TrendAnalysis) -> [String] {
        analysis.distinctChangePoints.map { c in
            "\(c.label): \(name(c.key)) \(c.resource.rawValue) \(Units.deltaPct(c.changePct)) from \(c.fromText), "
                + c.direction.rawValue + acknowledged(c.acknowledgement)
        }
    }

    /// The regressions of the newest build against the one before it, then the change points.
    package static func lines(_ report: PeriodicReport) -> [String] {
        (report.comparison.map(lines) ?? []) + lines(report.changes)
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
