import FedCore

/// One component of "Where the CPU and memory go": its mean in the build, its share of the
/// platform total, how it moved since the build before, and what its category uses in the baseline.
package struct Target: Sendable, Equatable {
    package var component: ComponentRef
    package var resource: Resource
    /// The build's mean (cores or bytes).
    package var mean: Double
    /// `mean` over the platform total's mean; nil without a total (or a total of 0).
    package var share: Double?
    /// The shares of this component and of every one ranked above it, added up.
    package var cumulativeShare: Double?
    /// The mean minus the mean of the build it is compared with; nil when that build has no
    /// value for the component (a new component) or there is no such build.
    package var change: Double?
    /// The mean of the component's category in the baseline, where the baseline has the category.
    package var baselineCategoryMean: Double?
    /// The component row's id in the build (the id its regression or improvement has).
    package var id: String

    /// `change` in percent of the mean before; nil without one, or when the mean before is 0.
    package var changePct: Double? {
        guard let change else { return nil }
        let before = mean - change
        return before == 0 ? nil : change / before * 100
    }
}

/// "Where the CPU and memory go": per resource, the components of one build ranked by their mean,
/// largest first (ties by name), with their share of the platform total and the running share
/// (a Pareto list: the few components that hold most of the total come first).
///
/// The shares are of the platform total's pooled mean. That total is summed only at timestamps
/// where every component has a value, and pooled over all clusters, while each component's mean
/// is over the timestamps and clusters where it has values; so the shares add up close to 1, not
/// exactly (see ``DeltaBreakdown`` for the same gap in a change).
package struct Targets: Sendable, Equatable {
    package var cpu: [Target]
    package var memory: [Target]

    package init(cpu: [Target] = [], memory: [Target] = []) {
        self.cpu = cpu
        self.memory = memory
    }

    package subscript(resource: Resource) -> [Target] { resource == .cpu ? cpu : memory }

    package var isEmpty: Bool { cpu.isEmpty && memory.isEmpty }

    /// The targets of build `b` (its means), the changes against `a` when given, the category means
    /// of `baseline` when given; `id` names a component row of B.
    package init(b: SideMeans, a: SideMeans?, baseline: SideMeans?, id: (RowKey) -> String) {
        func ranked(_ resource: Resource) -> [Target] {
            let total = b[.total(resource)].flatMap { $0 > 0 ? $0 : nil }
            let keys = b.components(resource).map { RowKey.component($0, resource) }
                .sorted { (b[$0]!, $1.name) > (b[$1]!, $0.name) }
            var running = 0.0
            return keys.map { key in
                let mean = b[key]!
                let share = total.map { mean / $0 }
                if let share { running += share }
                return Target(
                    component: key.component!, resource: resource, mean: mean, share: share,
                    cumulativeShare: share == nil ? nil : running,
                    change: a?[key].map { mean - $0 },
                    baselineCategoryMean: baseline?[.category(key.component!.category, resource)], id: id(key))
            }
        }
        self.init(cpu: ranked(.cpu), memory: ranked(.memory))
    }
}
