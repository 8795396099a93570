import FedCore

/// The pooled mean of every row one side (a build, or the baseline) has, by row key: what the
/// targets, the breakdown of a change, the baseline ratio and the budgets are worked out from.
/// A row the side has no sample of is absent, never 0.
package struct SideMeans: Sendable, Equatable {
    package var values: [RowKey: Double]

    package init(_ values: [RowKey: Double] = [:]) { self.values = values.filter { $0.value.isFinite } }

    /// The means of every row of a pooled side.
    init(_ side: PooledSide) {
        var values: [RowKey: Double] = [:]
        for key in side.rows.keys {
            if let mean = side.stats(key)?.summary.mean { values[key] = mean }
        }
        self.init(values)
    }

    package subscript(key: RowKey) -> Double? { values[key] }

    package var isEmpty: Bool { values.isEmpty }

    /// The component rows of `resource` the side has a mean for.
    package func components(_ resource: Resource) -> [ComponentRef] {
        values.keys.filter { $0.level == .component && $0.resource == resource }.compactMap(\.component)
    }

    /// The means budgets are held against: the total, every category and every component.
    package var budgetMeasurements: BudgetMeasurements {
        var m = BudgetMeasurements()
        for (key, value) in values {
            switch key.level {
            case .total: m.total[key.resource] = value
            case .category: if let c = key.category { m.categories[c, default: [:]][key.resource] = value }
            case .component: if let c = key.component { m.components[c.name, default: [:]][key.resource] = value }
            }
        }
        return m
    }
}
