import FedStoreCore
import FedStorePostgres
import FedStoreSQLite
import Foundation

/// Opens the store a `database:` value names, whichever engine it is.
package enum Stores {
    /// Opens `database`: an SQLite file at a path, or PostgreSQL at a `postgres://` URL, with
    /// the password from `passwordFile` or else `PGPASSWORD` (never from the URL).
    ///
    /// See `SnapshotStore.init(path:readOnly:)` and `PostgresSnapshotStore.init` for what
    /// opening for writing creates and migrates, and what read-only opening refuses.
    package static func open(
        _ database: String, readOnly: Bool, passwordFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, applicationName: String = "fedreport"
    ) throws -> any SnapshotStoring {
        try open(
            try StoreLocation.parse(database), readOnly: readOnly, passwordFile: passwordFile, environment: environment,
            applicationName: applicationName)
    }

    package static func open(
        _ location: StoreLocation, readOnly: Bool, passwordFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, applicationName: String = "fedreport"
    ) throws -> any SnapshotStoring {
        switch location {
        case .sqlite(let path):
            return try SnapshotStore(path: path, readOnly: readOnly)
        case .postgres(let url):
            let password = try DatabasePassword.resolve(file: passwordFile, environment: environment)
            return try PostgresSnapshotStore(url: url, password: password, readOnly: readOnly, applicationName: applicationName)
        }
    }
}
