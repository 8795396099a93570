import Foundation

/// Where the snapshots live, as `database:` (or `--database`, `FEDREPORT_DATABASE_URL`,
/// `push --to`) names it: a path of an SQLite file, or a `postgres://` URL.
package enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// Reads `text`: a `postgres://` or `postgresql://` URL is PostgreSQL, anything else a path.
    ///
    /// A URL that holds a password is refused (the password would end up in shell histories,
    /// process lists and logs); the error shows it masked.
    package static func parse(_ text: String) throws -> StoreLocation {
        if isPostgresURL(text) { return .postgres(try PostgresURL(parsing: text)) }
        if text.isEmpty { throw StoreError.invalidLocation(value: text, reason: "it is empty") }
        return .sqlite(path: text)
    }

    /// Whether `text` is written as a PostgreSQL URL.
    package static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The path, or the URL without any password: safe to print.
    package var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): url.description
        }
    }

    /// Whether `self` and `other` name the same database: one SQLite file (the paths compared
    /// after resolving `.`, `..` and, for a file that exists, symbolic links), or one PostgreSQL
    /// database on one host and port, whichever user and settings connect to it.
    package func isSameDatabase(as other: StoreLocation) -> Bool {
        switch (self, other) {
        case (.sqlite(let x), .sqlite(let y)):
            return URL(fileURLWithPath: x).standardizedFileURL.resolvingSymlinksInPath()
                == URL(fileURLWithPath: y).standardizedFileURL.resolvingSymlinksInPath()
        case (.postgres(let x), .postgres(let y)):
            return x.host == y.host && x.port == y.port && x.database == y.database
        default:
            return false
        }
    }

    /// `text` with the password of a `scheme://user:password@host` URL replaced by `****`, for
    /// messages about a value that was refused.
    package static func masked(_ text: String) -> String {
        // libpq also takes the password as a query parameter: `?password=…` or `&password=…`.
        let text = text.replacingOccurrences(
            of: "([?&]password=)[^&#]*", with: "$1****", options: [.regularExpression, .caseInsensitive])
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "****" + String(text[at...])
    }
}

/// A PostgreSQL connection URL as libpq reads it, without a password:
/// `postgres://user@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.pem`.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode`; `prefer` when the URL names none, as libpq does.
    package enum SSLMode: String, Sendable, CaseIterable {
        case disable
        case allow
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    package var user: String
    /// A host name or address; a path (from `?host=/run/postgresql`) means a Unix socket folder.
    package var host: String
    package var port: Int
    package var database: String
    package var sslMode: SSLMode
    /// CA certificates (PEM) to verify the server with, for `verify-ca` and `verify-full`;
    /// nil: the system's.
    package var sslRootCert: String?
    /// Seconds to wait for a connection; nil: 10.
    package var connectTimeout: Int?
    /// Shown in `pg_stat_activity`; nil: fedreport's own.
    package var applicationName: String?
    /// The query parameters fedreport understands.
    package static let knownParameters = ["sslmode", "sslrootcert", "connect_timeout", "application_name", "host", "port", "user"]

    package init(
        user: String, host: String = "localhost", port: Int = 5432, database: String, sslMode: SSLMode = .prefer,
        sslRootCert: String? = nil, connectTimeout: Int? = nil, applicationName: String? = nil
    ) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// Parses `text`; defaults as libpq: user `$USER` (`postgres` when unknown), host localhost,
    /// port 5432, database named like the user, sslmode prefer.
    package init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = StoreLocation.masked(text)
        func invalid(_ reason: String) -> StoreError { .invalidLocation(value: shown, reason: reason) }
        guard let components = URLComponents(string: text) else { throw invalid("it is not a valid URL") }
        if components.password != nil || components.percentEncodedPassword != nil {
            throw invalid("it holds a password, which would show in shell histories, process lists and logs")
        }
        var user = components.user ?? ""
        var host = components.host ?? ""
        var port = components.port ?? 5432
        var database = String(components.path.drop { $0 == "/" })
        var sslMode = SSLMode.prefer
        var rootCert: String?
        var timeout: Int?
        var application: String?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert": rootCert = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw invalid("connect_timeout '\(value)' is not a number of seconds above 0")
                }
                timeout = seconds
            case "application_name": application = value
            case "host": host = value
            case "port":
                guard let number = Int(value) else { throw invalid("port '\(value)' is not a number") }
                port = number
            case "user": user = value
            case "password":
                throw invalid("it holds a password, which would show in shell histories, process lists and logs")
            default:
                throw invalid("the parameter '\(item.name)' is not supported (known: \(Self.knownParameters.joined(separator: ", ")))")
            }
        }
        guard (1...65535).contains(port) else { throw invalid("port \(port) is not between 1 and 65535") }
        if host.isEmpty { host = "localhost" }
        if user.isEmpty { user = environment["PGUSER"] ?? environment["USER"] ?? "postgres" }
        if database.isEmpty { database = user }
        if database.contains("/") { throw invalid("the database name '\(database)' holds a '/'") }
        self.init(
            user: user, host: host, port: port, database: database, sslMode: sslMode, sslRootCert: rootCert,
            connectTimeout: timeout, applicationName: application)
    }

    /// Whether `host` names a folder holding the server's Unix socket.
    package var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The URL, without password, with every setting that differs from the default.
    package var description: String {
        var query: [String] = []
        var hostPart = host
        if isUnixSocket {
            hostPart = ""
            query.append("host=\(host)")
        } else if host.contains(":") {
            hostPart = "[\(host)]"
        }
        if sslMode != .prefer { query.append("sslmode=\(sslMode.rawValue)") }
        if let sslRootCert { query.append("sslrootcert=\(sslRootCert)") }
        if let connectTimeout { query.append("connect_timeout=\(connectTimeout)") }
        if let applicationName { query.append("application_name=\(applicationName)") }
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user
        return "postgres://\(encodedUser)@\(hostPart):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}

/// Where the password for a PostgreSQL store comes from: a file (`database_password_file`, or
/// `push --to-password-file`) or the `PGPASSWORD` variable, never the command line.
package enum DatabasePassword {
    /// The password in `file` (its first line, without the line break), else `PGPASSWORD`, else nil.
    package static func resolve(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let file {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            } catch {
                throw StoreError.unreadablePasswordFile(path: file, detail: error.localizedDescription)
            }
        }
        if let value = environment["PGPASSWORD"], !value.isEmpty { return value }
        return nil
    }
}
