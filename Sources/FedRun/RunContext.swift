import FedClient
import FedCollect
import FedCore
import FedStore
import FedStoreCore
import Foundation
import Logging

/// What every run needs besides its own settings: the configuration (file, environment and
/// flags already merged), where the file was, the environment, the run's clock and a logger.
package struct RunContext: Sendable {
    package var configuration: Configuration
    /// The configuration file read, if any: `acks.yaml` is looked for beside it.
    package var configPath: String?
    package var environment: [String: String]
    /// The moment the run started, in milliseconds: `now` in every time the user typed, the
    /// default end of a collect window and the time stamp of the reports.
    package var now: TimestampMs
    /// The name a PostgreSQL session shows in `pg_stat_activity` (`fedreport collect`).
    package var applicationName: String
    package var logger: Logger

    package init(
        configuration: Configuration, configPath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: TimestampMs = Int64(Date().timeIntervalSince1970 * 1000), applicationName: String = "fedreport",
        logger: Logger = Logger(label: "fedreport")
    ) {
        self.configuration = configuration
        self.configPath = configPath
        self.environment = environment
        self.now = now
        self.applicationName = applicationName
        self.logger = logger
    }

    /// Opens the configured snapshot store, SQLite or PostgreSQL.
    package func openStore(readOnly: Bool) throws -> any SnapshotStoring {
        try Stores.open(
            configuration.database, readOnly: readOnly, passwordFile: configuration.databasePasswordFile, environment: environment,
            applicationName: applicationName)
    }

    /// The query set and component maps: those `queries:` and `components:` name, else the
    /// shipped ones.
    package func resources() throws -> RunResources {
        try RunResources.load(configuration: configuration, environment: environment)
    }

    /// The querier's client.
    package func client() throws -> PrometheusClient {
        try PrometheusClient(querier: configuration.querier, environment: environment, logger: logger)
    }

    /// The one place that wires a collector: the resources, the client over the querier and the
    /// collector over both. `deadline` bounds the client's requests (`collect.deadline`).
    package func collector(deadline: Date? = nil) throws -> Collector {
        let resources = try resources()
        let client = try client()
        client.deadline = deadline
        return Collector(
            configuration: configuration, client: client, querySet: resources.querySet, maps: resources.maps, logger: logger)
    }

    /// The acknowledgements of this run: `report.acks` when set (an error when it cannot be
    /// read), else `acks.yaml` next to the configuration file (the current folder without one)
    /// when it exists; nil when there is none.
    package func ackFile() throws -> AckFile? {
        if let path = configuration.report.acks { return try AckFile.load(path: path) }
        let folder = ((configPath ?? "fedreport.yaml") as NSString).deletingLastPathComponent
        let path = folder.isEmpty ? "acks.yaml" : (folder as NSString).appendingPathComponent("acks.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try AckFile.load(path: path)
    }
}
