import Foundation

/// What a budget limits: the platform total, a category or a component. The same three forms
/// an entry of `acks.yaml` names, written the same way: `total`, `category:<name>`, `<component>`.
package typealias BudgetScope = Ack.Target

/// One configured budget: `scope` may use at most `limit` of `resource` (cores or bytes).
package struct Budget: Sendable, Equatable {
    package var scope: BudgetScope
    package var resource: Resource
    package var limit: Double

    package init(scope: BudgetScope, resource: Resource, limit: Double) {
        self.scope = scope
        self.resource = resource
        self.limit = limit
    }
}

extension Configuration {
    /// Edge targets (`budgets:`): how much CPU and memory the platform, a category or a component
    /// may use, written as Kubernetes quantities.
    ///
    ///     budgets:
    ///       total: {cpu: 2, memory: 8Gi}
    ///       categories: {control-plane: {memory: 3Gi}}
    ///       components: {etcd: {cpu: 0.5}}
    package struct Budgets: Sendable, Equatable {
        package var total = Limits()
        package var categories: [Category: Limits] = [:]
        /// Component name → its limits.
        package var components: [String: Limits] = [:]

        package init() {}

        /// No budget at all.
        package var isEmpty: Bool { all.isEmpty }

        /// Every budget in the order reports list them: the total, the categories in their
        /// order, the components by name; CPU before memory.
        package var all: [Budget] {
            var scoped: [(BudgetScope, Limits)] = [(.total, total)]
            scoped += Category.allCases.compactMap { c in categories[c].map { (.category(c), $0) } }
            scoped += components.keys.sorted().map { (.component($0), components[$0]!) }
            return scoped.flatMap { scope, limits in
                Resource.allCases.compactMap { r in limits[r].map { Budget(scope: scope, resource: r, limit: $0) } }
            }
        }
    }

    /// The limits of one scope: cores and bytes, nil where none is set.
    package struct Limits: Sendable, Equatable {
        package var cpu: Double?
        package var memory: Double?

        package init(cpu: Double? = nil, memory: Double? = nil) {
            self.cpu = cpu
            self.memory = memory
        }

        package subscript(resource: Resource) -> Double? { resource == .cpu ? cpu : memory }
    }
}

extension Configuration.Budgets {
    init(_ o: YAMLObject) throws {
        o.checkKeys(["total", "categories", "components"])
        if let t = try o.object("total") { total = try Configuration.Limits(t) }
        if let c = try o.object("categories") {
            // Unknown names are errors that list the categories, as unknown keys list the keys.
            c.checkKeys(Category.allCases.map(\.rawValue))
            for category in Category.allCases {
                if let limits = try c.object(category.rawValue) { categories[category] = try Configuration.Limits(limits) }
            }
        }
        if let c = try o.object("components") {
            for (key, _) in c.mapping {
                guard let name = key.string, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigurationError.wrongType(path: c.source, key: c.path, expected: "a mapping of component names to limits")
                }
                if let limits = try c.object(name) { components[name] = try Configuration.Limits(limits) }
            }
        }
    }
}

extension Configuration.Limits {
    init(_ o: YAMLObject) throws {
        o.checkKeys(["cpu", "memory"])
        cpu = try o.quantity("cpu", resource: .cpu)
        memory = try o.quantity("memory", resource: .memory)
    }
}

extension YAMLObject {
    /// A Kubernetes quantity above 0: cores for `cpu`, bytes for `memory`.
    func quantity(_ k: String, resource: Resource) throws -> Double? {
        let examples = resource == .cpu ? "cores such as 2, 500m or 0.5" : "bytes such as 8Gi, 512Mi or 1G"
        guard let s = try scalar(k, expected: "a Kubernetes quantity of \(examples)") else { return nil }
        let value: Double
        do {
            value = try KubernetesQuantity.parse(s)
        } catch let error as QuantityError {
            throw ConfigurationError.invalidValue(
                path: source, key: key(k), value: s, expected: "a Kubernetes quantity of \(examples), but \(error.problem)")
        }
        guard value > 0 else {
            throw ConfigurationError.invalidValue(path: source, key: key(k), value: s, expected: "a budget above 0, in \(examples)")
        }
        return value
    }
}
