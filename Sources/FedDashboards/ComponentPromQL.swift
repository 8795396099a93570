import FedCore

/// The PromQL that selects exactly the series fedreport attributes to a component: the query
/// set's queries of one resource, with each rule's matchers placed next to the cluster matcher,
/// and first-match-wins turned into `unless`.
///
/// A series belongs to component C when the first rule of the map that selects it names C. So
/// for each rule of C, the series it selects count unless an earlier rule of another component
/// selects them too; earlier rules that cannot select the same series (an equality matcher on a
/// label that the other rule's matchers reject) are left out of the `unless`, which keeps the
/// expressions short without changing what they select.
struct ComponentPromQL {
    /// The queries of one resource for the distribution.
    let queries: [QueryDefinition]
    let map: ComponentMap
    let clusterLabel: String
    let rateWindow: PromDuration
    let scrapeInterval: PromDuration
    /// What stands for the cluster's name: a Grafana variable.
    let cluster: String

    init(
        queries: [QueryDefinition], map: ComponentMap, clusterLabel: String, rateWindow: PromDuration, scrapeInterval: PromDuration,
        cluster: String
    ) throws {
        for query in queries where !query.promql.contains("{{cluster_matcher}}") {
            throw DashboardError.queryWithoutClusterMatcher(name: query.name, source: query.source)
        }
        self.queries = queries
        self.map = map
        self.clusterLabel = clusterLabel
        self.rateWindow = rateWindow
        self.scrapeInterval = scrapeInterval
        self.cluster = cluster
    }

    /// Every series of the resource: the platform total.
    var total: String { "sum(\(selected([])))" }

    /// The sum over the series of component `name`.
    func component(_ name: String) -> String {
        var parts: [String] = []
        for (k, rule) in map.rules.enumerated() where rule.name == name {
            let earlier = map.rules[..<k].filter { $0.name != name && Self.mayOverlap($0.selector, rule.selector) }
            let own = selected(rule.selector.matchers)
            if earlier.isEmpty {
                parts.append(own)
            } else {
                parts.append("(\(own) unless (\(earlier.map { selected($0.selector.matchers) }.joined(separator: " or "))))")
            }
        }
        return "sum(\(parts.joined(separator: " or ")))"
    }

    /// The resource's queries with `matchers` next to the cluster matcher, joined with `or`.
    func selected(_ matchers: [LabelMatcher]) -> String {
        let extra = matchers.map(\.description).joined(separator: ", ")
        let rendered = queries.map { query -> String in
            let template =
                extra.isEmpty
                ? query.promql : query.promql.replacingOccurrences(of: "{{cluster_matcher}}", with: "{{cluster_matcher}}, \(extra)")
            return QueryDefinition(name: query.name, resource: query.resource, distributions: query.distributions, promql: template)
                .render(clusterLabel: clusterLabel, cluster: cluster, rateWindow: rateWindow, scrapeInterval: scrapeInterval)
        }
        return rendered.count == 1 ? rendered[0] : "(" + rendered.joined(separator: " or ") + ")"
    }

    /// False only when no label set can match both selectors: some equality matcher of one
    /// names a value that a matcher of the other on the same label rejects.
    static func mayOverlap(_ a: LabelSelector, _ b: LabelSelector) -> Bool {
        func excludes(_ x: LabelSelector, _ y: LabelSelector) -> Bool {
            x.matchers.contains { m in
                m.kind == .equal && y.matchers.contains { $0.name == m.name && !$0.matches(m.value) }
            }
        }
        return !excludes(a, b) && !excludes(b, a)
    }
}

/// Why a dashboard cannot be built from the definitions given.
package enum DashboardError: Error, Equatable, CustomStringConvertible {
    /// A query places the cluster by other means than `{{cluster_matcher}}`, so component
    /// matchers have no selector to go in.
    case queryWithoutClusterMatcher(name: String, source: String)
    /// No component map for the distribution.
    case missingMap(distribution: String, known: [String])
    /// No query of the query set applies to the distribution.
    case noQueries(distribution: String)

    package var description: String {
        switch self {
        case .queryWithoutClusterMatcher(let name, let source):
            "The query '\(name)' (\(source)) does not use {{cluster_matcher}}, so the dashboard has no selector to put "
                + "component matchers in. Write its selector as { {{cluster_matcher}}, … }."
        case .missingMap(let distribution, let known):
            "There is no component map for distribution '\(distribution)' (maps: \(known.joined(separator: ", "))). "
                + "Pass --distribution with one of those, or configure components.\(distribution)."
        case .noQueries(let distribution):
            "No query of the query set applies to distribution '\(distribution)'; check the distributions: lists in queries/."
        }
    }
}
