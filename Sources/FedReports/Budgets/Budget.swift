import FedCore

/// The measured means of one build that budgets are held against: cores for CPU, bytes for
/// memory. A scope or resource without a value was not measured.
package struct BudgetMeasurements: Sendable, Equatable {
    /// The platform total.
    package var total: [Resource: Double]
    package var categories: [Category: [Resource: Double]]
    /// Component name → its means.
    package var components: [String: [Resource: Double]]

    package init(
        total: [Resource: Double] = [:], categories: [Category: [Resource: Double]] = [:], components: [String: [Resource: Double]] = [:]
    ) {
        self.total = total
        self.categories = categories
        self.components = components
    }

    /// The mean of `resource` in `scope`, or nil when it was not measured (or is not finite).
    package func value(_ scope: BudgetScope, _ resource: Resource) -> Double? {
        let v: Double? =
            switch scope {
            case .total: total[resource]
            case .category(let c): categories[c]?[resource]
            case .component(let name): components[name]?[resource]
            }
        guard let v, v.isFinite else { return nil }
        return v
    }
}

/// One budget held against one build's measured mean.
///
/// JSON (`Encodable`): `{scope, resource, limit, value, headroom, exceeded}`, `scope` written
/// `total`, `category:<name>` or the component's name; a budget whose scope was not measured has
/// `value`, `headroom` and `exceeded` null, so that it never reads as within budget.
package struct BudgetStatus: Sendable, Equatable, Encodable {
    package var scope: BudgetScope
    package var resource: Resource
    /// Cores or bytes.
    package var limit: Double
    /// The build's mean, nil when the scope was not measured.
    package var value: Double?
    /// Stays the same from night to night while the budget is exceeded (see ``StableID/budget(distribution:scope:resource:)``).
    package var id: String
    /// Set when `acks.yaml` acknowledges the exceeded budget.
    package var acknowledgement: Acknowledgement?

    package init(
        scope: BudgetScope, resource: Resource, limit: Double, value: Double?, id: String, acknowledgement: Acknowledgement? = nil
    ) {
        self.scope = scope
        self.resource = resource
        self.limit = limit
        self.value = value
        self.id = id
        self.acknowledgement = acknowledgement
    }

    /// `limit − value`: negative when exceeded; nil when not measured.
    package var headroom: Double? { value.map { limit - $0 } }
    /// Whether the value is above the limit; nil when not measured.
    package var exceeded: Bool? { value.map { $0 > limit } }
    package var isMeasured: Bool { value != nil }
    /// Measured and above the limit.
    package var isExceeded: Bool { exceeded == true }

    private enum CodingKeys: String, CodingKey {
        case scope, resource, limit, value, headroom, exceeded
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scope.description, forKey: .scope)
        try c.encode(resource.rawValue, forKey: .resource)
        try c.encode(limit, forKey: .limit)
        // Written as null rather than left out: a reader must see "not measured", not a gap.
        try c.encode(value, forKey: .value)
        try c.encode(headroom, forKey: .headroom)
        try c.encode(exceeded, forKey: .exceeded)
    }
}

extension StableID {
    /// The id of an exceeded budget: the first 10 hex digits of the SHA-256 of `budget`, the
    /// distribution, the scope (`total`, `category:<name>`, the component) and the resource, one
    /// per line. No build goes in: a budget exceeded night after night is one finding with one
    /// id, which an entry of acks.yaml names by scope and resource.
    package static func budget(distribution: String, scope: BudgetScope, resource: Resource) -> String {
        let text = ["budget", distribution, scope.description, resource.rawValue].joined(separator: "\n")
        return String(SHA256.hex(Array(text.utf8)).prefix(10))
    }
}

extension Reporter {
    /// Holds every budget of `budgets` against `measured`, the means of one build of
    /// `distribution`, in the order of ``Configuration/Budgets/all``. A budget whose scope has
    /// no finite value for its resource is not measured (`value` nil), never within budget.
    package static func budgets(
        _ budgets: Configuration.Budgets, measured: BudgetMeasurements, distribution: String
    ) -> [BudgetStatus] {
        budgets.all.map { b in
            BudgetStatus(
                scope: b.scope, resource: b.resource, limit: b.limit, value: measured.value(b.scope, b.resource),
                id: StableID.budget(distribution: distribution, scope: b.scope, resource: b.resource))
        }
    }
}
