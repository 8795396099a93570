import FedCore
import Foundation

/// The query set and component maps a run uses, found from the configuration or shipped beside
/// the executable.
package struct RunResources: Sendable {
    package var querySet: QuerySet
    package var maps: [String: ComponentMap]

    package init(querySet: QuerySet, maps: [String: ComponentMap]) {
        self.querySet = querySet
        self.maps = maps
    }

    /// Loads `queries/` (or `configuration.queries`) and every map in its `components/` folder,
    /// then the maps the configuration names, which replace shipped ones.
    package static func load(configuration: Configuration, environment: [String: String]) throws -> RunResources {
        let shippedQueries = ResourceLocator.find("queries/components", env: environment).map {
            ($0 as NSString).deletingLastPathComponent
        }
        let folder: String
        // Where the component maps are: beside the query set; a shipped set uses the shipped maps.
        let componentsFolder: String
        if let configured = configuration.queries {
            folder = try resolve(configured, shipped: shippedQueries)
            if let shippedQueries, folder.hasPrefix((shippedQueries as NSString).appendingPathComponent("sets") + "/") {
                componentsFolder = (shippedQueries as NSString).appendingPathComponent("components")
            } else {
                componentsFolder = (folder as NSString).appendingPathComponent("components")
            }
        } else if let shippedQueries {
            folder = shippedQueries
            componentsFolder = (folder as NSString).appendingPathComponent("components")
        } else {
            throw ConfigurationError.unreadable(
                path: "queries/",
                reason:
                    "the shipped query set was not found next to the executable; set FEDREPORT_HOME to the folder that holds queries/ and templates/, or set queries: in the configuration"
            )
        }
        let querySet = try QuerySet.load(folder: folder)
        var maps: [String: ComponentMap] = [:]
        if let files = try? FileManager.default.contentsOfDirectory(atPath: componentsFolder) {
            for file in files.sorted() where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                let map = try ComponentMap.load(path: (componentsFolder as NSString).appendingPathComponent(file))
                maps[map.distribution] = map
            }
        }
        for (distribution, path) in configuration.components {
            let map = try ComponentMap.load(path: path)
            if map.distribution != distribution {
                throw ConfigurationError.invalidValue(
                    path: path, key: "distribution", value: map.distribution,
                    expected: "'\(distribution)', the distribution it is configured for under components:")
            }
            maps[distribution] = map
        }
        for cluster in configuration.clusters where maps[cluster.distribution] == nil {
            throw CollectError.missingMap(distribution: cluster.distribution, looked: componentsFolder)
        }
        return RunResources(querySet: querySet, maps: maps)
    }

    /// The folder `queries:` names: a folder that exists, else a shipped set of that name
    /// (`queries/sets/<name>`, for example `recording-rules`).
    static func resolve(_ configured: String, shipped: String?) throws -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: configured, isDirectory: &isFolder), isFolder.boolValue { return configured }
        let sets = shipped.map { ($0 as NSString).appendingPathComponent("sets") }
        if !configured.contains("/"), let sets {
            let named = (sets as NSString).appendingPathComponent(configured)
            if FileManager.default.fileExists(atPath: named) { return named }
        }
        let known = sets.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0) }?.sorted() ?? []
        throw ConfigurationError.invalidValue(
            path: "the configuration", key: "queries", value: configured,
            expected:
                "a folder of query YAML files, or the name of a shipped query set (\(known.isEmpty ? "none found" : known.joined(separator: ", ")))"
        )
    }
}
