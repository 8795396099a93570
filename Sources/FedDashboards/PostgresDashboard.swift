import FedCore

/// The dashboard over fedreport's PostgreSQL store: the same rows as the Prometheus dashboard,
/// with mean and p95 of build A, build B and the baseline per panel, computed from the stored
/// snapshots as the reports compute them (pooled over the chosen clusters, only the points a
/// snapshot includes and does not leave out; a category or total only at timestamps where every
/// component of the snapshot has a value). History survives Prometheus retention.
struct PostgresDashboard {
    let definitions: DashboardDefinitions

    init(_ definitions: DashboardDefinitions) { self.definitions = definitions }

    func build() throws -> JSONValue {
        var layout = GrafanaDashboard.Layout()
        layout.row("Platform total")
        for resource in Resource.allCases {
            layout.add(
                panel(
                    title: "Total \(GrafanaDashboard.title(resource)): A, B, baseline", resource: resource,
                    sql: Self.combined(resource: resource, category: nil)))
        }
        for resource in Resource.allCases {
            layout.add(trendPanel(resource))
        }
        // Series no rule selects are stored as component `other`, category other.
        var categories = try definitions.componentsByCategory
        if let index = categories.firstIndex(where: { $0.0 == .other }) {
            if !categories[index].1.contains("other") { categories[index].1.append("other") }
        } else {
            categories.append((.other, ["other"]))
        }
        for (category, components) in categories {
            layout.row(category.rawValue)
            for resource in Resource.allCases {
                layout.add(
                    panel(
                        title: "\(category.rawValue) \(GrafanaDashboard.title(resource)): A, B, baseline", resource: resource,
                        sql: Self.combined(resource: resource, category: category)))
            }
            for component in components {
                for resource in Resource.allCases {
                    layout.add(
                        panel(
                            title: "\(component): \(GrafanaDashboard.title(resource))", resource: resource,
                            sql: Self.component(component, resource: resource)))
                }
            }
        }
        let distribution = definitions.distribution
        return GrafanaDashboard.dashboard(
            title: "fedreport: \(distribution) builds (PostgreSQL store)", uid: "fedreport-\(distribution)-postgres",
            description: GrafanaDashboard.provenance(definitions), datasource: .postgres, variables: variables(), panels: layout.panels,
            time: "now-1y")
    }

    func variables() -> [JSONValue] {
        func variable(_ name: String, _ label: String, _ sql: String, multi: Bool = false, sort: Int = 0) -> JSONValue {
            GrafanaDashboard.queryVariable(
                name: name, label: label, query: .string(sql), definition: sql, datasource: .postgres, multi: multi,
                includeAll: multi, sort: sort)
        }
        var distribution = variable("distribution", "Distribution", "SELECT DISTINCT distribution FROM snapshot ORDER BY 1")
        distribution["current"] = ["text": .string(definitions.distribution), "value": .string(definitions.distribution)]
        return [
            GrafanaDashboard.datasourceVariable(.postgres),
            distribution,
            variable("build_a", "Build A", Self.builds(of: "${distribution:sqlstring}", newestFirst: false)),
            variable("build_b", "Build B", Self.builds(of: "${distribution:sqlstring}", newestFirst: true)),
            variable(
                "cluster", "Clusters",
                "SELECT DISTINCT cluster FROM snapshot WHERE distribution = ${distribution:sqlstring} ORDER BY 1", multi: true),
            variable(
                "baseline_distribution", "Baseline",
                "SELECT DISTINCT distribution FROM snapshot WHERE distribution <> ${distribution:sqlstring} ORDER BY 1"),
            variable("baseline", "Baseline build", Self.builds(of: "${baseline_distribution:sqlstring}", newestFirst: true)),
        ]
    }

    /// The builds of a distribution by their first snapshot (ties by name).
    static func builds(of distribution: String, newestFirst: Bool) -> String {
        "SELECT build FROM snapshot WHERE distribution = \(distribution) GROUP BY build ORDER BY "
            + (newestFirst ? "min(start_ms) DESC, build DESC" : "min(start_ms), build")
    }

    /// The sides a panel compares: A and B over the chosen clusters, the baseline over all of its
    /// clusters (as reports take it).
    static func sides(baseline: Bool) -> String {
        var rows = [
            "(1, 'A ' || ${build_a:sqlstring}, ${distribution:sqlstring}, ${build_a:sqlstring}, false)",
            "(2, 'B ' || ${build_b:sqlstring}, ${distribution:sqlstring}, ${build_b:sqlstring}, false)",
        ]
        if baseline {
            rows.append("(3, 'baseline ' || ${baseline:sqlstring}, ${baseline_distribution:sqlstring}, ${baseline:sqlstring}, true)")
        }
        return """
            sides (k, side, distribution, build, every_cluster) AS (VALUES
                \(rows.joined(separator: ",\n    "))
            )
            """
    }

    static let snapshotsOfSides = """
        FROM sides d
            JOIN snapshot s ON s.distribution = d.distribution AND s.build = d.build
                AND (d.every_cluster OR s.cluster IN (${cluster:sqlstring}))
        """

    static let statistics = "avg(v) AS mean, percentile_cont(0.95) WITHIN GROUP (ORDER BY v) AS p95"

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Mean and p95 of one component's points, pooled per side.
    static func component(_ name: String, resource: Resource) -> String {
        """
        WITH \(sides(baseline: false)),
        points AS (
            SELECT d.k, d.side, p.v
            \(snapshotsOfSides)
                JOIN component_series c ON c.snapshot_id = s.id AND c.resource = \(quoted(resource.rawValue)) AND c.component = \(quoted(name))
                CROSS JOIN LATERAL fedreport_points(c.values_f64le, s.included_mask, c.left_out_mask) p
        )
        SELECT side AS build, \(statistics)
        FROM points GROUP BY k, side ORDER BY k
        """
    }

    /// Mean and p95 of a category (or, for nil, the platform total): per snapshot and grid point
    /// the sum of its components, only where every one of them has a value.
    static func combined(resource: Resource, category: Category?) -> String {
        let categoryFilter = category.map { " AND c.category = \(quoted($0.rawValue))" } ?? ""
        return """
            WITH \(sides(baseline: true)),
            members AS (
                SELECT d.k, d.side, s.id, count(*) OVER (PARTITION BY s.id) AS n, c.values_f64le, s.included_mask, c.left_out_mask
                \(snapshotsOfSides)
                    JOIN component_series c ON c.snapshot_id = s.id AND c.resource = \(quoted(resource.rawValue))\(categoryFilter)
            ),
            totals AS (
                SELECT m.k, m.side, sum(p.v) AS v
                FROM members m CROSS JOIN LATERAL fedreport_points(m.values_f64le, m.included_mask, m.left_out_mask) p
                GROUP BY m.k, m.side, m.id, m.n, p.i HAVING count(*) = m.n
            )
            SELECT side AS build, \(statistics)
            FROM totals GROUP BY k, side ORDER BY k
            """
    }

    /// The platform total's mean and p95 per build of the distribution over the dashboard's time
    /// range, at each build's first snapshot.
    static func trend(resource: Resource) -> String {
        """
        WITH members AS (
            SELECT s.build, s.id, s.start_ms, count(*) OVER (PARTITION BY s.id) AS n, c.values_f64le, s.included_mask, c.left_out_mask
            FROM snapshot s
                JOIN component_series c ON c.snapshot_id = s.id AND c.resource = \(quoted(resource.rawValue))
            WHERE s.distribution = ${distribution:sqlstring} AND s.cluster IN (${cluster:sqlstring})
                AND $__unixEpochFilter(s.start_ms / 1000)
        ),
        totals AS (
            SELECT m.build, min(m.start_ms) AS start_ms, sum(p.v) AS v
            FROM members m CROSS JOIN LATERAL fedreport_points(m.values_f64le, m.included_mask, m.left_out_mask) p
            GROUP BY m.build, m.id, m.n, p.i HAVING count(*) = m.n
        )
        SELECT min(start_ms) / 1000 AS time, \(statistics)
        FROM totals GROUP BY build ORDER BY 1
        """
    }

    func panel(title: String, resource: Resource, sql: String) -> JSONValue {
        [
            "type": "bargauge", "title": .string(title), "datasource": GrafanaDashboard.datasourceReference(.postgres),
            "fieldConfig": GrafanaDashboard.fieldConfig(resource),
            "options": [
                "displayMode": "basic", "orientation": "horizontal", "showUnfilled": true, "valueMode": "color",
                "reduceOptions": ["calcs": ["lastNotNull"], "fields": "", "values": true],
            ],
            "targets": [target(sql, format: "table")],
        ]
    }

    func trendPanel(_ resource: Resource) -> JSONValue {
        [
            "type": "timeseries", "title": .string("Total \(GrafanaDashboard.title(resource)) per build"),
            "datasource": GrafanaDashboard.datasourceReference(.postgres), "fieldConfig": GrafanaDashboard.fieldConfig(resource),
            "options": [
                "legend": ["displayMode": "list", "placement": "bottom", "showLegend": true],
                "tooltip": ["mode": "multi", "sort": "none"],
            ],
            "targets": [target(Self.trend(resource: resource), format: "time_series")],
        ]
    }

    func target(_ sql: String, format: String) -> JSONValue {
        [
            "refId": "A", "datasource": GrafanaDashboard.datasourceReference(.postgres), "format": .string(format),
            "rawQuery": true, "editorMode": "code", "rawSql": .string(sql),
        ]
    }
}
