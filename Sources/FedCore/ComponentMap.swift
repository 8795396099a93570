import Foundation
import Yams

/// One rule of a component map: series matching `selector` belong to component `name`.
package struct ComponentRule: Sendable {
    package let name: String
    package let category: Category
    package let selector: LabelSelector
    /// Whether the component runs on every node (DaemonSets, host services), so that its usage
    /// scales with the node count: `compare --per-node` divides it by that count.
    package let perNode: Bool

    package init(name: String, category: Category, selector: LabelSelector, perNode: Bool = false) {
        self.name = name
        self.category = category
        self.selector = selector
        self.perNode = perNode
    }
}

/// Where a series lands: a component and its category.
package struct ComponentRef: Sendable, Hashable, Codable, Comparable {
    package let name: String
    package let category: Category

    package init(name: String, category: Category) {
        self.name = name
        self.category = category
    }

    /// Series that no rule matches.
    package static let other = ComponentRef(name: "other", category: .other)

    package static func < (a: ComponentRef, b: ComponentRef) -> Bool {
        (a.category, a.name) < (b.category, b.name)
    }
}

/// The ordered rules of one distribution. First match wins; what matches nothing is `other`.
package struct ComponentMap: Sendable {
    package let distribution: String
    package let rules: [ComponentRule]
    /// The file the map came from, for provenance.
    package let source: String

    package init(distribution: String, rules: [ComponentRule], source: String) {
        self.distribution = distribution
        self.rules = rules
        self.source = source
    }

    /// The components marked `per_node: true`.
    package var perNodeComponents: Set<String> { Set(rules.filter(\.perNode).map(\.name)) }

    package func classify(_ labels: LabelSet) -> ComponentRef {
        for rule in rules where rule.selector.matches(labels) {
            return ComponentRef(name: rule.name, category: rule.category)
        }
        return .other
    }

    /// What a report lists as the member a series stands for: its namespace, or for host
    /// services without a pod the unit name from the cgroup path (`kubelet.service`).
    package static func member(of labels: LabelSet) -> String {
        let ns = labels.value("namespace")
        if !ns.isEmpty { return ns }
        let id = labels.value("id")
        if !id.isEmpty { return id.split(separator: "/").last.map(String.init) ?? id }
        return "(no namespace)"
    }

    package static func load(path: String) throws -> ComponentMap {
        try parse(yaml: try readText(path), source: path)
    }

    package static func parse(yaml: String, source: String) throws -> ComponentMap {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError.invalidYAML(path: source, reason: "\(error)")
        }
        guard let node else { throw ConfigurationError.missingKey(path: source, key: "distribution") }
        let root = try YAMLObject(node, path: "", source: source)
        root.checkKeys(["distribution", "description", "components"])
        return try root.reportingUnknownKeys {
            guard let distribution = try root.string("distribution") else { throw root.missing("distribution") }
            guard let list = try root.list("components") else { throw root.missing("components") }
            var names: [String: Category] = [:]
            var perNodeOf: [String: Bool] = [:]
            let rules = try list.map { item -> ComponentRule in
                item.checkKeys(["name", "category", "match", "per_node"])
                guard let name = try item.string("name") else { throw item.missing("name") }
                guard let categoryText = try item.string("category") else { throw item.missing("category") }
                guard let category = Category(rawValue: categoryText) else {
                    throw ConfigurationError.invalidValue(
                        path: source, key: item.key("category"), value: categoryText,
                        expected: "one of " + Category.allCases.map(\.rawValue).joined(separator: ", "))
                }
                if let earlier = names[name], earlier != category {
                    throw ConfigurationError.invalidValue(
                        path: source, key: item.key("category"), value: categoryText,
                        expected: "the category '\(earlier.rawValue)' given to '\(name)' by an earlier rule")
                }
                names[name] = category
                guard let match = try item.string("match") else { throw item.missing("match") }
                let selector: LabelSelector
                do {
                    selector = try LabelSelector(parsing: match)
                } catch let e as LabelMatcherError {
                    throw ConfigurationError.invalidValue(
                        path: source, key: item.key("match"), value: match, expected: e.errorDescription ?? "a label selector")
                }
                let perNode = try item.bool("per_node") ?? false
                if let earlier = perNodeOf[name], earlier != perNode {
                    throw ConfigurationError.invalidValue(
                        path: source, key: item.key("per_node"), value: String(perNode),
                        expected: "per_node: \(earlier), as an earlier rule gives '\(name)'")
                }
                perNodeOf[name] = perNode
                return ComponentRule(name: name, category: category, selector: selector, perNode: perNode)
            }
            return ComponentMap(distribution: distribution, rules: rules, source: source)
        }
    }
}
