import FedStoreCore
import Foundation
import Logging
import PostgresNIO

/// One connection to PostgreSQL used synchronously, as the rest of fedreport is: every call
/// blocks the calling thread until the server has answered.
///
/// The connection runs on an event-loop thread of its own, so waiting on it from any other
/// thread cannot deadlock; `close()` ends the connection and shuts that thread down. Calls are
/// serialised by the owner (`PostgresSnapshotStore`): one query at a time.
final class PostgresSession: @unchecked Sendable {
    let url: PostgresURL
    private let group: MultiThreadedEventLoopGroup
    private let connection: PostgresConnection
    private let logger: Logger
    private var closed = false

    /// Connects as `url.user` with `password` (nil: none), with TLS as `url.sslMode` says.
    init(url: PostgresURL, password: String?, applicationName: String) throws {
        self.url = url
        logger = Logger(label: "fedreport.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let tls = try Self.tls(url)
        var configuration: PostgresConnection.Configuration
        if url.isUnixSocket {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(url.host)/.s.PGSQL.\(url.port)", username: url.user, password: password, database: url.database)
        } else {
            configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: password, database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(url.connectTimeout ?? 10))
        configuration.options.additionalStartupParameters = [("application_name", url.applicationName ?? applicationName)]
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            connection = try PostgresConnection.connect(
                on: group.next(), configuration: configuration, id: 1, logger: logger
            ).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw PostgresErrors.map(error, location: url.description, operation: "connect")
        }
    }

    /// Runs `sql` with `binds` ($1, $2, … in order) and returns every row.
    @discardableResult
    func query(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [PostgresRow] {
        try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait().rows
    }

    /// Runs `sql` with `binds` and returns each row with random access to its columns.
    func rows(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [PostgresRandomAccessRow] {
        try query(sql, binds).map { PostgresRandomAccessRow($0) }
    }

    /// Runs `body` in a transaction started with `begin`: committed when `body` returns, rolled
    /// back when it throws (or when the connection is gone, by the server). Read committed by
    /// default, whatever the server's or the role's default: a run that waited for another's lock
    /// must see what that run committed, or it would insert a second copy of its snapshot.
    func transaction<T>(_ begin: String = "BEGIN ISOLATION LEVEL READ COMMITTED", _ body: () throws -> T) throws -> T {
        try query(begin)
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            // The server rolls back by itself when the connection is gone; a failed ROLLBACK
            // adds nothing to the error that caused it.
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// Closes the connection and stops its thread. Safe to call more than once.
    func close() {
        guard !closed else { return }
        closed = true
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    deinit { close() }

    private static func tls(_ url: PostgresURL) throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable: return .disable
        // libpq's allow, prefer and require do not check the certificate.
        case .allow, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let file = url.sslRootCert { configuration.trustRoots = .file(file) }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw StoreError.cannotConnect(path: url.description, detail: "the TLS set-up failed: \(error)")
        }
        return url.sslMode == .allow || url.sslMode == .prefer ? .prefer(context) : .require(context)
    }
}

/// PostgresNIO's errors as `StoreError`s with sentences a user can act on.
enum PostgresErrors {
    /// Maps `error`, thrown while doing `operation` on the database at `location`; `StoreError`s
    /// pass through.
    static func map(_ error: any Error, location: String, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let psql = error as? PSQLError else {
            // Before a session exists, anything that goes wrong is a failure to connect.
            if operation == "connect" { return .cannotConnect(path: location, detail: String(describing: error)) }
            return .postgres(path: location, operation: operation, sqlState: nil, detail: String(describing: error))
        }
        let sqlState = psql.serverInfo?[.sqlState]
        let message = psql.serverInfo?[.message] ?? ""
        switch psql.code {
        case .server:
            switch sqlState ?? "" {
            case "28P01", "28000": return .authenticationFailed(path: location, detail: message)
            case "3D000":
                return .cannotConnect(path: location, detail: message + "; create it first (createdb, or CREATE DATABASE)")
            case "40P01", "40001": return .conflict(path: location, detail: message)
            case "53100":
                return .postgres(path: location, operation: operation, sqlState: sqlState, detail: "the server's disk is full: " + message)
            case let state where state.hasPrefix("08") || state.hasPrefix("57P"):
                return .cannotConnect(path: location, detail: message)
            default: return .postgres(path: location, operation: operation, sqlState: sqlState, detail: message)
            }
        case .authMechanismRequiresPassword:
            return .authenticationFailed(
                path: location, detail: "the server asks for a password and none was given; set PGPASSWORD or database_password_file")
        case .unsupportedAuthMechanism:
            return .authenticationFailed(path: location, detail: "the server asks for an authentication method fedreport does not support")
        case .saslError:
            return .authenticationFailed(path: location, detail: "the SCRAM exchange failed: wrong password?")
        case .sslUnsupported:
            return .cannotConnect(path: location, detail: "the server does not offer TLS, which the sslmode requires")
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return .cannotConnect(path: location, detail: "the connection was closed while trying to \(operation)")
        case .connectionError, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return .cannotConnect(path: location, detail: psql.underlying.map { String(describing: $0) } ?? psql.code.description)
        default:
            let detail = psql.underlying.map { String(describing: $0) } ?? psql.code.description
            return .postgres(path: location, operation: operation, sqlState: nil, detail: detail)
        }
    }
}
