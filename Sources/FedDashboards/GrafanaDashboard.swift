import FedCore
import Foundation

/// Which Grafana data source a dashboard reads.
package enum DashboardDatasource: String, CaseIterable, Sendable {
    /// The querier (Prometheus or Thanos): live series, as far back as retention goes.
    case prometheus
    /// fedreport's PostgreSQL store: the snapshots, for as long as they are kept.
    case postgres

    /// The plugin id in the dashboard (Grafana 10.2.3 renamed the PostgreSQL plugin's id; the old
    /// `postgres` stays an alias).
    var pluginID: String {
        switch self {
        case .prometheus: "prometheus"
        case .postgres: "grafana-postgresql-datasource"
        }
    }

    /// The name of the dashboard's data-source input, which Grafana's import screen asks for.
    var inputName: String {
        switch self {
        case .prometheus: "DS_PROMETHEUS"
        case .postgres: "DS_POSTGRESQL"
        }
    }

    var pluginName: String {
        switch self {
        case .prometheus: "Prometheus"
        case .postgres: "PostgreSQL"
        }
    }
}

/// What a dashboard is built from: the same query set and component maps as `collect`, so the
/// dashboard and the reports cannot disagree about what a component is.
package struct DashboardDefinitions: Sendable {
    package var querySet: QuerySet
    package var maps: [String: ComponentMap]
    /// The distribution whose components the panels show.
    package var distribution: String
    package var clusterLabel: String
    package var rateWindow: PromDuration
    /// How long a sample counts (`collect.scrape_interval`), as in collect.
    package var scrapeInterval: PromDuration

    package init(
        querySet: QuerySet, maps: [String: ComponentMap], distribution: String, clusterLabel: String, rateWindow: PromDuration,
        scrapeInterval: PromDuration = .seconds(30)
    ) {
        self.querySet = querySet
        self.maps = maps
        self.distribution = distribution
        self.clusterLabel = clusterLabel
        self.rateWindow = rateWindow
        self.scrapeInterval = scrapeInterval
    }

    var map: ComponentMap {
        get throws {
            guard let map = maps[distribution] else {
                throw DashboardError.missingMap(distribution: distribution, known: maps.keys.sorted())
            }
            return map
        }
    }

    /// Component names in map order, each once, by category in the order categories are listed.
    var componentsByCategory: [(Category, [String])] {
        get throws {
            let map = try self.map
            var seen = Set<String>()
            var names: [(String, Category)] = []
            for rule in map.rules where seen.insert(rule.name).inserted { names.append((rule.name, rule.category)) }
            return Category.allCases.compactMap { category in
                let inCategory = names.filter { $0.1 == category }.map(\.0)
                return inCategory.isEmpty ? nil : (category, inCategory)
            }
        }
    }
}

/// A Grafana dashboard in the classic JSON model (schemaVersion 39, importable by Grafana 10 and
/// 11): a data-source variable, the variables each data source needs, a row of platform totals
/// and a row per category holding a panel per component and resource. docs/team.md describes
/// the shape.
package enum GrafanaDashboard {
    package static let schemaVersion = 39

    /// The dashboard for `datasource`.
    package static func build(_ definitions: DashboardDefinitions, datasource: DashboardDatasource) throws -> JSONValue {
        switch datasource {
        case .prometheus: try PrometheusDashboard(definitions).build()
        case .postgres: try PostgresDashboard(definitions).build()
        }
    }

    /// `value` as pretty JSON text with sorted keys, ending in a newline.
    package static func text(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    // MARK: - Shared parts

    /// The dashboard object around `panels` and `variables`, with the data-source input that
    /// Grafana's import screen asks for (`__inputs`, as Grafana's "export for sharing externally"
    /// writes it).
    static func dashboard(
        title: String, uid: String, description: String, datasource: DashboardDatasource, variables: [JSONValue],
        panels: [JSONValue], time: String
    ) -> JSONValue {
        [
            "__inputs": [
                [
                    "name": .string(datasource.inputName), "label": .string(datasource.pluginName),
                    "description": .string("The \(datasource.pluginName) data source the panels read."), "type": "datasource",
                    "pluginId": .string(datasource.pluginID), "pluginName": .string(datasource.pluginName),
                ]
            ],
            "title": .string(title), "uid": .string(String(uid.prefix(40))), "description": .string(description),
            "tags": ["fedreport"], "schemaVersion": .int(Int64(schemaVersion)), "version": 1, "editable": true, "graphTooltip": 1,
            "timezone": "utc", "time": ["from": .string(time), "to": "now"], "refresh": "",
            "annotations": ["list": []], "links": [], "templating": ["list": .array(variables)], "panels": .array(panels),
        ]
    }

    /// The variable that picks the data source, so the dashboard imports into any Grafana. It
    /// starts at the data source chosen on the import screen (`${DS_…}`, which the import
    /// replaces), and the panels and other variables read it (`${datasource}`), so it can still
    /// be switched afterwards; where nothing replaces the input, Grafana falls back to the
    /// plugin's default data source.
    static func datasourceVariable(_ datasource: DashboardDatasource) -> JSONValue {
        let input = JSONValue.string("${\(datasource.inputName)}")
        return [
            "name": "datasource", "label": "Data source", "type": "datasource", "query": .string(datasource.pluginID),
            "current": ["selected": false, "text": input, "value": input], "hide": 0, "refresh": 1, "options": [], "regex": "",
            "skipUrlSync": false,
        ]
    }

    static func datasourceReference(_ datasource: DashboardDatasource) -> JSONValue {
        ["type": .string(datasource.pluginID), "uid": "${datasource}"]
    }

    /// A query variable reading `query` from the data source.
    static func queryVariable(
        name: String, label: String, query: JSONValue, definition: String, datasource: DashboardDatasource, multi: Bool = false,
        includeAll: Bool = false, allValue: String? = nil, sort: Int = 1
    ) -> JSONValue {
        var object: JSONValue = [
            "name": .string(name), "label": .string(label), "type": "query", "query": query, "definition": .string(definition),
            "datasource": datasourceReference(datasource), "current": [:], "hide": 0, "refresh": 1, "options": [],
            "regex": "", "skipUrlSync": false, "sort": .int(Int64(sort)), "multi": .bool(multi), "includeAll": .bool(includeAll),
        ]
        if let allValue { object["allValue"] = .string(allValue) }
        return object
    }

    /// Lays out panels two to a row of the grid, rows of the dashboard full width.
    struct Layout {
        private(set) var panels: [JSONValue] = []
        private var nextID = 1
        private var y = 0
        private var column = 0

        mutating func row(_ title: String) {
            if column != 0 { newLine() }
            panels.append([
                "type": "row", "id": .int(Int64(nextID)), "title": .string(title), "collapsed": false, "panels": [],
                "gridPos": ["h": 1, "w": 24, "x": 0, "y": .int(Int64(y))],
            ])
            nextID += 1
            y += 1
        }

        mutating func add(_ panel: JSONValue) {
            var panel = panel
            panel["id"] = .int(Int64(nextID))
            panel["gridPos"] = ["h": 8, "w": 12, "x": .int(Int64(column * 12)), "y": .int(Int64(y))]
            nextID += 1
            panels.append(panel)
            column += 1
            if column == 2 { newLine() }
        }

        private mutating func newLine() {
            column = 0
            y += 8
        }
    }

    /// Field settings for one resource: cores are plain numbers, memory is bytes.
    static func fieldConfig(_ resource: Resource) -> JSONValue {
        [
            "defaults": [
                "unit": resource == .cpu ? "short" : "bytes", "decimals": resource == .cpu ? 3 : 1,
                "custom": ["axisLabel": resource == .cpu ? "cores" : "working set", "drawStyle": "line", "fillOpacity": 0],
            ],
            "overrides": [],
        ]
    }

    static func title(_ resource: Resource) -> String { resource == .cpu ? "CPU (cores)" : "memory" }

    static func provenance(_ definitions: DashboardDefinitions) -> String {
        let map = (try? definitions.map.source) ?? "?"
        return "Generated by fedreport \(fedreportVersion) from the query set \(definitions.querySet.folder) "
            + "(sha256 \(definitions.querySet.hash.prefix(12))) and the component map \(map)."
    }
}
