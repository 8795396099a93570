import Foundation
import Yams

/// One acknowledged regression, change point or exceeded budget: an engineer has seen it, and it
/// should no longer fail a job. Read from `acks.yaml` (see ``AckFile``).
package struct Ack: Sendable, Equatable {
    /// What an entry acknowledges.
    package enum Kind: Sendable, Equatable {
        /// A regression or change point of `target` and `resource` that starts at `build`.
        case change
        /// The budget of `target` and `resource`, exceeded in whichever build; `build` is empty.
        case budget
    }

    /// What the entry's `component` (or `budget`) names: a component, a category
    /// (`category:<name>`) or the platform total (`total`).
    package enum Target: Sendable, Equatable, CustomStringConvertible {
        case component(String)
        case category(Category)
        case total

        package var description: String {
            switch self {
            case .component(let name): name
            case .category(let c): "category:\(c.rawValue)"
            case .total: "total"
            }
        }
    }

    package var kind: Kind
    package var target: Target
    package var resource: Resource
    /// The build the regression or change point starts at: B of a comparison, the first build of
    /// the new regime of a change point. Empty for a budget.
    package var build: String
    package var reason: String
    package var ticket: String
    /// The entry's position in the file, from 1, for messages.
    package var entry: Int

    package init(
        kind: Kind = .change, target: Target, resource: Resource, build: String, reason: String, ticket: String, entry: Int = 1
    ) {
        self.kind = kind
        self.target = target
        self.resource = resource
        self.build = build
        self.reason = reason
        self.ticket = ticket
        self.entry = entry
    }

    /// "etcd cpu at 4.7.0-0.nightly-2026-10-24-040312 (OCPBUGS-1)", or "budget total memory
    /// (EDGE-1)", for warnings.
    package var summary: String {
        switch kind {
        case .change: "\(target) \(resource.rawValue) at \(build) (\(ticket))"
        case .budget: "budget \(target) \(resource.rawValue) (\(ticket))"
        }
    }
}

/// The acknowledgements file: a YAML list of `{component, resource, build, reason, ticket}`, and
/// of `{budget, resource, reason, ticket}` for exceeded budgets.
///
///     - component: etcd                 # or category:control-plane, or total
///       resource: cpu                   # cpu or memory
///       build: 4.7.0-0.nightly-2026-10-24-040312
///       reason: etcd 3.5 rebase costs 30 m more; accepted
///       ticket: OCPBUGS-1234
///     - budget: total                   # the budget's scope: total, category:<name> or a component
///       resource: memory
///       reason: over 8Gi until the monitoring stack shrinks
///       ticket: EDGE-12
///
/// Every key is required; unknown keys are errors that name the key, as in the configuration.
package struct AckFile: Sendable, Equatable {
    package var path: String
    package var acks: [Ack]

    package init(path: String, acks: [Ack]) {
        self.path = path
        self.acks = acks
    }

    /// The entries' keys, in the order the documentation lists them.
    package static let keys = ["component", "resource", "build", "reason", "ticket"]
    /// The keys of an entry that acknowledges an exceeded budget.
    package static let budgetKeys = ["budget", "resource", "reason", "ticket"]

    /// Reads and checks the file at `path`.
    package static func load(path: String) throws -> AckFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AckError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(yaml: text, source: path)
    }

    /// Parses acknowledgements YAML; `source` names the file in errors. An empty file has none.
    package static func parse(yaml: String, source: String) throws -> AckFile {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError.invalidYAML(path: source, reason: "\(error)")
        }
        guard let node else { return AckFile(path: source, acks: []) }
        guard let sequence = node.sequence else {
            throw ConfigurationError.wrongType(
                path: source, key: "(top level)", expected: "a list of entries, each {component, resource, build, reason, ticket}")
        }
        var acks: [Ack] = []
        let unknown = UnknownKeys()
        try unknown.reporting(source: source) {
            for (i, item) in sequence.enumerated() {
                let entry = try YAMLObject(item, path: "[\(i)]", source: source, unknown: unknown)
                let kind: Ack.Kind = entry.mapping.keys.contains { $0.string == "budget" } ? .budget : .change
                entry.checkKeys(kind == .budget ? budgetKeys : keys)
                func required(_ key: String) throws -> String {
                    guard let value = try entry.string(key), !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw entry.missing(key)
                    }
                    return value
                }
                let component = try required(kind == .budget ? "budget" : "component")
                let target: Ack.Target
                if component == "total" {
                    target = .total
                } else if component.hasPrefix("category:") {
                    let name = String(component.dropFirst("category:".count))
                    guard let category = Category(rawValue: name) else {
                        throw ConfigurationError.invalidValue(
                            path: source, key: entry.key(kind == .budget ? "budget" : "component"), value: component,
                            expected: "category: followed by one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    target = .category(category)
                } else {
                    target = .component(component)
                }
                let resourceText = try required("resource")
                guard let resource = Resource(rawValue: resourceText) else {
                    throw ConfigurationError.invalidValue(
                        path: source, key: entry.key("resource"), value: resourceText, expected: "cpu or memory")
                }
                acks.append(
                    Ack(
                        kind: kind, target: target, resource: resource, build: kind == .budget ? "" : try required("build"),
                        reason: try required("reason"), ticket: try required("ticket"), entry: i + 1))
            }
        }
        return AckFile(path: source, acks: acks)
    }
}

/// Why the acknowledgements could not be read.
package enum AckError: Error, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)

    package var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            "Cannot read the acknowledgements file '\(path)': \(reason). Fix report.acks in the configuration, or create the file (a YAML list of {component, resource, build, reason, ticket})."
        }
    }
}
