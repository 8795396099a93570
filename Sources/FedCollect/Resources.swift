import FedCore
import Foundation

/// The query set and component maps a run uses, found from the configuration or shipped beside
/// the executable.
public struct RunResources: Sendable {
    public var querySet: QuerySet
    public var maps: [String: ComponentMap]

    public init(querySet: QuerySet, maps: [String: ComponentMap]) {
        self.querySet = querySet
        self.maps = maps
    }

    /// Loads `queries/` (or `configuration.queries`) and every map in its `components/` folder,
    /// then the maps the configuration names, which replace shipped ones.
    public static func load(configuration: Configuration, environment: [String: String]) throws -> RunResources {
        let folder: String
        if let configured = configuration.queries {
            folder = configured
        } else if let shipped = ResourceLocator.find("queries/components", env: environment) {
            folder = (shipped as NSString).deletingLastPathComponent
        } else {
            throw ConfigurationError.unreadable(
                path: "queries/",
                reason:
                    "the shipped query set was not found next to the executable; set FEDREPORT_HOME to the folder that holds queries/ and templates/, or set queries: in the configuration"
            )
        }
        let querySet = try QuerySet.load(folder: folder)
        var maps: [String: ComponentMap] = [:]
        let componentsFolder = (folder as NSString).appendingPathComponent("components")
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
}
