import FedStore
import FedStoreCore
import FedTestSupport
import Foundation
import Testing

/// The two engines a store can live in; tests that take `StoreBackend.all` run once for each.
package enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    package var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL where it is installed, and always on CI (where a missing server
    /// must fail, not vanish). `PostgresPresenceTests` shows as skipped where it is left out.
    package static var all: [StoreBackend] { TestBed.postgresAvailable || TestBed.isCI ? [.sqlite, .postgres] : [.sqlite] }
}

/// A fresh, empty database on one backend, and ways to look into it that do not go through
/// fedreport's store code: the `sqlite3` shell or `psql`.
package struct StoreBed: Sendable {
    package let backend: StoreBackend
    /// What `database:` says: a path or a URL.
    package let database: String
    /// The folder of the test's files (configuration, SQLite database).
    package let folder: String
    package let server: PostgresServer?
    /// The PostgreSQL database name.
    package let name: String?

    package init(backend: StoreBackend, database: String, folder: String, server: PostgresServer?, name: String?) {
        self.backend = backend
        self.database = database
        self.folder = folder
        self.server = server
        self.name = name
    }

    package static func make(_ backend: StoreBackend, _ tag: String) async throws -> StoreBed {
        let folder = try temporaryFolder("store-\(tag)")
        switch backend {
        case .sqlite:
            return StoreBed(backend: backend, database: "\(folder)/fedreport.sqlite", folder: folder, server: nil, name: nil)
        case .postgres:
            let server = try await TestBed.postgres()
            let name = "t_\(tag.replacingOccurrences(of: "-", with: "_"))_\(UUID().uuidString.prefix(8).lowercased())"
            try server.createDatabase(name)
            return StoreBed(backend: backend, database: server.url(database: name), folder: folder, server: server, name: name)
        }
    }

    package func open(readOnly: Bool = false) throws -> any SnapshotStoring {
        try Stores.open(database, readOnly: readOnly)
    }

    /// Runs `query` through the engine's own shell; rows as lines, columns joined by `|`.
    package func sql(_ query: String) throws -> String {
        switch backend {
        case .sqlite: return try sqlite(database, query)
        case .postgres: return try server!.psql(query, database: name!)
        }
    }

    /// The database's whole content, in a stable order.
    package func dump() throws -> String {
        switch backend {
        case .sqlite: return try sqlite(database, ".dump")
        case .postgres: return try server!.dump(database: name!)
        }
    }

    /// (snapshots, component series, container summaries, query sets), counted by the shell.
    package func counts() throws -> [Int] {
        try sql(
            "SELECT (SELECT count(*) FROM snapshot), (SELECT count(*) FROM component_series), "
                + "(SELECT count(*) FROM container_summary), (SELECT count(*) FROM query_set)"
        ).split(separator: "|").map { Int($0) ?? -1 }
    }

    /// The schema version as the engine records it: `PRAGMA user_version`, or the highest row of
    /// `schema_version`.
    package func schemaVersion() throws -> Int {
        switch backend {
        case .sqlite: return Int(try sql("PRAGMA user_version")) ?? -1
        case .postgres: return Int(try sql("SELECT coalesce(max(version), 0) FROM schema_version")) ?? -1
        }
    }

    /// Marks the database as written by a fedreport with schema `version`.
    package func pretendSchema(_ version: Int) throws {
        switch backend {
        case .sqlite: _ = try sql("PRAGMA user_version = \(version)")
        case .postgres: _ = try sql("INSERT INTO schema_version (version, name) VALUES (\(version), 'from the future')")
        }
    }

    /// A configuration file for the binary: `url` as the querier, this database, `extra` lines.
    package func config(url: String, extra: String = "") throws -> String {
        let path = "\(folder)/fedreport.yaml"
        try """
        querier:
          url: \(url)
          timeout: 60s
          retries: 1
        database: \(database)
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
