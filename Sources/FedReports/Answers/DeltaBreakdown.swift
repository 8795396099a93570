import FedCore

/// What explains the change of the platform total of one resource from A to B: each component's
/// change of mean, largest (in size) first, and what the components' changes leave unexplained.
///
/// The contributions are the component rows' own changes (B's mean minus A's; a side without
/// the component counts as 0), so a reader finds each in the tables. They do not add up to the
/// total's change by themselves, because of how a side is pooled (``PooledSide``):
///
/// - the total is summed only at timestamps where every component of the snapshot has a value;
///   at the others (`left_out_timestamps.incomplete_totals`, a component whose member sent NaN)
///   the total is left out while the components that had a value there still count them;
/// - each row's mean is over its own samples: a component that runs on one of several clusters,
///   or in some snapshots only, has its mean over those, while the total averages over every
///   cluster and timestamp of the side, where the component adds nothing elsewhere;
/// - components divided by the node count (`compare --per-node`) are not: the breakdown holds
///   whole figures.
///
/// `remainder` is that gap: `totalChange` minus the contributions added up in the order listed.
/// That sum plus the remainder is `totalChange` exactly, in double arithmetic, whenever the sum
/// lies between half and twice the total's change (the difference of two such numbers is exact);
/// a remainder larger than the components' part leaves them one rounding apart at most.
package struct DeltaBreakdown: Sendable, Equatable {
    package struct Contribution: Sendable, Equatable {
        package var component: ComponentRef
        /// B's mean minus A's (cores or bytes).
        package var change: Double
        /// The component row's id.
        package var id: String
    }

    package var resource: Resource
    /// The platform total's mean in A and in B.
    package var before: Double
    package var after: Double
    package var totalChange: Double
    /// Every component either side has, by the size of its change, largest first (ties by name).
    package var contributions: [Contribution]
    package var remainder: Double

    /// The breakdown of `resource` from `a` to `b`; nil unless both have the platform total.
    package init?(_ resource: Resource, a: SideMeans, b: SideMeans, id: (RowKey) -> String) {
        guard let before = a[.total(resource)], let after = b[.total(resource)] else { return nil }
        let components = Set(a.components(resource) + b.components(resource))
        let contributions = components.map { c -> Contribution in
            let key = RowKey.component(c, resource)
            return Contribution(component: c, change: (b[key] ?? 0) - (a[key] ?? 0), id: id(key))
        }.sorted { (abs($0.change), $1.component.name) > (abs($1.change), $0.component.name) }
        self.resource = resource
        self.before = before
        self.after = after
        self.totalChange = after - before
        self.contributions = contributions
        self.remainder = totalChange - contributions.map(\.change).reduce(0, +)
    }
}
