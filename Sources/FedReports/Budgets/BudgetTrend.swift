import FedCore

/// One budget held against every build of a trend: its status per build, oldest first, so that
/// the headroom can be followed over the builds. The last status is the newest build's.
package struct BudgetTrend: Sendable, Equatable {
    /// One per build of the trend, in its order; `value` nil where the build has no value.
    package var statuses: [BudgetStatus]

    package var newest: BudgetStatus? { statuses.last }
}

extension Reporter {
    /// Every budget of `budgets` held against each build's means, in the order of
    /// ``Configuration/Budgets/all``.
    package static func budgetTrends(
        _ budgets: Configuration.Budgets, measured: [SideMeans], distribution: String
    ) -> [BudgetTrend] {
        guard !budgets.isEmpty else { return [] }
        let perBuild = measured.map { self.budgets(budgets, measured: $0.budgetMeasurements, distribution: distribution) }
        return budgets.all.indices.map { i in BudgetTrend(statuses: perBuild.map { $0[i] }) }
    }
}
