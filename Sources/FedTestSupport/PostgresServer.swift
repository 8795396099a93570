import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server (Debian's `postgresql` package) on a free loopback port, in a fresh
/// data folder made by `initdb`, for the tests and the benchmark.
///
/// The superuser `postgres` logs in without a password (trust) over the Unix socket and over TCP
/// from 127.0.0.1; every other role must give its password (scram-sha-256), so that tests can
/// check how fedreport passes one. Running as root, `initdb` and the server run as the
/// `postgres` user (PostgreSQL refuses to run as root). Stopped by ``stop()``, in `deinit`, when
/// the process exits, and by a watchdog if the process dies, like ``PrometheusServer``.
package final class PostgresServer: Sendable {
    package let port: Int
    package let host = "127.0.0.1"
    package let dataDirectory: String
    /// Where the server's Unix socket lives (`-k`).
    package let socketDirectory: String
    package let logPath: String
    private let child: ManagedProcess
    private let binDirectory: String

    /// The process id of the server (its postmaster).
    package var pid: Int32 { child.pid }

    /// The folder of Debian's PostgreSQL programs (`/usr/lib/postgresql/<version>/bin`, newest
    /// version first), or the folder of an `initdb` on PATH; nil when there is none.
    package static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions {
            let folder = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: folder + "/initdb") { return folder }
        }
        return Tools.find("initdb").map { ($0 as NSString).deletingLastPathComponent }
    }

    /// Throws ``TestBedError/toolMissing(tool:install:)`` when PostgreSQL is not installed.
    package static func require() throws -> String {
        guard let folder = binDirectory else {
            throw TestBedError.toolMissing(tool: "initdb", install: "apt-get install postgresql")
        }
        return folder
    }

    /// Makes a data folder under `workDirectory` with `initdb`, starts the server on a free
    /// loopback port and waits until it answers a query. With `durable` false (tests), fsync and
    /// synchronous commit are off; the benchmark keeps them on, as a real server has them.
    package init(workDirectory: String, durable: Bool = false, timeout: Double = 60, detached: Bool = false) throws {
        binDirectory = try Self.require()
        let base = (workDirectory as NSString).appendingPathComponent("postgres-\(UUID().uuidString.prefix(8))")
        dataDirectory = (base as NSString).appendingPathComponent("data")
        socketDirectory = base
        logPath = (base as NSString).appendingPathComponent("postgres.log")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let owner = try Self.serverUser()
        if let owner { try Self.chown(base, to: owner) }
        let initdb = try Self.command(binDirectory + "/initdb", as: owner)
        try Tools.run(
            initdb.executable,
            initdb.prefix + ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        try """
        local all all trust
        host all postgres 127.0.0.1/32 trust
        host all all 127.0.0.1/32 scram-sha-256

        """.write(toFile: (dataDirectory as NSString).appendingPathComponent("pg_hba.conf"), atomically: true, encoding: .utf8)
        if let owner { try Self.chown((dataDirectory as NSString).appendingPathComponent("pg_hba.conf"), to: owner) }

        var lastError: Error?
        for _ in 0..<3 {
            let port = try Loopback.freePort()
            var settings = [
                "-D", dataDirectory, "-p", "\(port)", "-k", socketDirectory, "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=200", "-c", "log_min_messages=warning",
            ]
            if !durable { settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] }
            let command = try Self.command(binDirectory + "/postgres", as: owner)
            let child = try ManagedProcess(
                executable: command.executable, arguments: command.prefix + settings, logPath: logPath, detached: detached,
                stopSignal: SIGINT)
            let deadline = Date().addingTimeInterval(timeout)
            var ready = false
            while Date() < deadline && child.isRunning {
                if Loopback.isListening(port: port),
                    (try? Tools.run(binDirectory + "/psql", Self.psqlArguments(port: port, database: "postgres") + ["-c", "SELECT 1"]))
                        != nil
                {
                    ready = true
                    break
                }
                usleep(100_000)
            }
            if ready {
                self.port = port
                self.child = child
                return
            }
            child.stop()
            let log = Tools.tail(file: logPath)
            lastError = TestBedError.serverNotReady(server: "postgres", url: "127.0.0.1:\(port)", waited: timeout, log: log)
            if !log.contains("could not bind") && !log.contains("already in use") { break }
        }
        throw lastError!
    }

    /// Stops the server (fast shutdown: clients are disconnected). Safe to call more than once.
    package func stop() { child.stop() }

    /// The URL of `database` as fedreport takes it, as `user` (no password in it).
    package func url(database: String, user: String = "postgres") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Creates an empty database owned by `owner` and returns its name.
    @discardableResult
    package func createDatabase(_ name: String, owner: String = "postgres") throws -> String {
        try psql("CREATE DATABASE \"\(name)\" OWNER \"\(owner)\"", database: "postgres")
        return name
    }

    /// Creates a login role with `password`.
    package func createRole(_ name: String, password: String) throws {
        try psql("CREATE ROLE \"\(name)\" LOGIN PASSWORD '\(password.replacingOccurrences(of: "'", with: "''"))'", database: "postgres")
    }

    /// Runs `sql` through `psql` (independent of fedreport's client) as the superuser and returns
    /// its unaligned output without the trailing newline: one line per row, `|` between columns.
    @discardableResult
    package func psql(_ sql: String, database: String) throws -> String {
        let out = try Tools.run(binDirectory + "/psql", Self.psqlArguments(port: port, database: database) + ["-c", sql])
        return out.hasSuffix("\n") ? String(out.dropLast()) : out
    }

    /// `pg_dump --data-only` of `database` with rows in a stable order: the content, to compare
    /// before and after.
    package func dump(database: String) throws -> String {
        try Tools.run(
            binDirectory + "/pg_dump",
            ["-h", host, "-p", "\(port)", "-U", "postgres", "--data-only", "--inserts", "--rows-per-insert=1", database]
        )
        .split(separator: "\n").filter { $0.hasPrefix("INSERT") }.sorted().joined(separator: "\n")
    }

    static func psqlArguments(port: Int, database: String) -> [String] {
        ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    }

    /// The user the server runs as: `postgres` when this process is root, else nil (this user).
    private static func serverUser() throws -> (uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        guard let entry = getpwnam("postgres") else {
            throw TestBedError.toolMissing(tool: "the postgres user", install: "apt-get install postgresql")
        }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    private static func chown(_ path: String, to owner: (uid: uid_t, gid: gid_t)) throws {
        guard Glibc.chown(path, owner.uid, owner.gid) == 0 else {
            throw TestBedError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// `program` run as `owner` through setpriv (which execs it, so the pid stays the server's),
    /// or directly when `owner` is nil.
    private static func command(_ program: String, as owner: (uid: uid_t, gid: gid_t)?) throws -> (executable: String, prefix: [String]) {
        guard let owner else { return (program, []) }
        let setpriv = try Tools.require("setpriv", package: "util-linux")
        return (setpriv, ["--reuid=\(owner.uid)", "--regid=\(owner.gid)", "--clear-groups", "--", program])
    }
}
