import FedCore

/// The dashboard over the querier: per component and resource, the summed series of the chosen
/// cluster over time, one line per build (the `version` variable narrows them), with the same
/// PromQL and component rules as `collect`.
struct PrometheusDashboard {
    let definitions: DashboardDefinitions

    init(_ definitions: DashboardDefinitions) { self.definitions = definitions }

    var label: String { definitions.clusterLabel }
    var isOpenShift: Bool { definitions.distribution == "ocp" }
    /// The label that names a build on the version series.
    var versionLabel: String { isOpenShift ? "version" : "git_version" }

    func build() throws -> JSONValue {
        let map = try definitions.map
        var expressions: [Resource: ComponentPromQL] = [:]
        for resource in Resource.allCases {
            let queries = definitions.querySet.queries(for: definitions.distribution).filter { $0.resource == resource }
            if queries.isEmpty { continue }
            expressions[resource] = try ComponentPromQL(
                queries: queries, map: map, clusterLabel: label, rateWindow: definitions.rateWindow,
                scrapeInterval: definitions.scrapeInterval, cluster: "$cluster")
        }
        if expressions.isEmpty { throw DashboardError.noQueries(distribution: definitions.distribution) }
        var layout = GrafanaDashboard.Layout()
        layout.row("Platform total")
        for resource in Resource.allCases {
            guard let promql = expressions[resource] else { continue }
            layout.add(panel(title: "Total \(GrafanaDashboard.title(resource))", resource: resource, expr: promql.total))
        }
        for (category, components) in try definitions.componentsByCategory {
            layout.row(category.rawValue)
            for component in components {
                for resource in Resource.allCases {
                    guard let promql = expressions[resource] else { continue }
                    layout.add(
                        panel(
                            title: "\(component): \(GrafanaDashboard.title(resource))", resource: resource,
                            expr: promql.component(component)))
                }
            }
        }
        let distribution = definitions.distribution
        return GrafanaDashboard.dashboard(
            title: "fedreport: \(distribution) components (Prometheus)", uid: "fedreport-\(distribution)-prometheus",
            description: GrafanaDashboard.provenance(definitions), datasource: .prometheus, variables: variables(), panels: layout.panels,
            time: "now-24h")
    }

    func variables() -> [JSONValue] {
        let cluster = clusterQuery
        let version = versionQuery
        return [
            GrafanaDashboard.datasourceVariable(.prometheus),
            GrafanaDashboard.queryVariable(
                name: "cluster", label: "Cluster", query: ["query": .string(cluster), "refId": "cluster"], definition: cluster,
                datasource: .prometheus),
            GrafanaDashboard.queryVariable(
                name: "version", label: "Build", query: ["query": .string(version), "refId": "version"], definition: version,
                datasource: .prometheus, multi: true, includeAll: true, allValue: ".*", sort: 0),
        ]
    }

    /// The clusters of the distribution, found as `collect` finds them.
    var clusterQuery: String {
        switch definitions.distribution {
        case "ocp": "label_values(cluster_version, \(label))"
        case "k3s": "label_values(kubernetes_build_info{git_version=~\".*k3s.*\"}, \(label))"
        case "microshift": "label_values(container_memory_working_set_bytes{id=\"/system.slice/microshift.service\"}, \(label))"
        default: "label_values(container_memory_working_set_bytes, \(label))"
        }
    }

    var versionQuery: String {
        isOpenShift
            ? "label_values(cluster_version{\(label)=\"$cluster\", type=\"completed\"}, version)"
            : "label_values(kubernetes_build_info{\(label)=\"$cluster\"}, git_version)"
    }

    /// `expr` with the build as a label: OpenShift's last completed version (left out while an
    /// upgrade runs, as collect leaves those timestamps out), elsewhere kubernetes_build_info's
    /// git_version. `topk(1, …)` keeps one version per timestamp where an old series lingers for
    /// the lookback after a change.
    func perBuild(_ expr: String) -> String {
        let cluster = "\(label)=\"$cluster\""
        if isOpenShift {
            return "((\(expr)) + on() group_left(version) (0 * topk(1, cluster_version{\(cluster), type=\"completed\", "
                + "version=~\"$version\"}))) unless on() cluster_version{\(cluster), type=\"updating\"}"
        }
        return "(\(expr)) + on() group_left(git_version) (0 * topk(1, kubernetes_build_info{\(cluster), git_version=~\"$version\"}))"
    }

    func panel(title: String, resource: Resource, expr: String) -> JSONValue {
        [
            "type": "timeseries", "title": .string(title), "datasource": GrafanaDashboard.datasourceReference(.prometheus),
            "fieldConfig": GrafanaDashboard.fieldConfig(resource),
            "options": [
                "legend": ["displayMode": "list", "placement": "bottom", "showLegend": true],
                "tooltip": ["mode": "multi", "sort": "none"],
            ],
            "targets": [
                [
                    "refId": "A", "datasource": GrafanaDashboard.datasourceReference(.prometheus), "expr": .string(perBuild(expr)),
                    "legendFormat": .string("{{\(versionLabel)}}"), "range": true, "instant": false, "editorMode": "code",
                ]
            ],
        ]
    }
}
