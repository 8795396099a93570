import Foundation

/// Entry points for integration tests: shared Prometheus servers over generated scenarios, and
/// whether the tools they need are there.
package enum TestBed {
    /// Whether prometheus and promtool are installed.
    package static var available: Bool {
        Tools.find("prometheus") != nil && Tools.find("promtool") != nil
    }

    /// Whether nginx and openssl are installed.
    package static var proxyAvailable: Bool {
        Tools.find("nginx") != nil && Tools.find("openssl") != nil
    }

    /// Whether PostgreSQL's server programs (Debian's `postgresql`) are installed.
    package static var postgresAvailable: Bool { PostgresServer.binDirectory != nil }

    /// Like ``shouldRun``, for tests that also need ``PostgresServer``.
    package static var shouldRunWithPostgres: Bool { (available && postgresAvailable) || isCI }

    /// Whether the CI environment variable is set (to anything but empty).
    package static var isCI: Bool {
        !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
    }

    /// For Swift Testing's `.enabled(if: TestBed.shouldRun)`: true when the tools are installed,
    /// and also on CI, so that a missing tool fails there (with "install with apt-get install
    /// prometheus") instead of skipping quietly.
    package static var shouldRun: Bool { available || isCI }

    /// Like ``shouldRun``, for tests that also need ``NginxProxy``.
    package static var shouldRunWithProxy: Bool { (available && proxyAvailable) || isCI }

    /// The folder of this process's test bed: `/tmp/fedreport-testbed-<pid>`, removed at exit.
    package static let folder: String = {
        let path = "/tmp/fedreport-testbed-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        ChildProcesses.removeAtExit(path)
        return path
    }()

    private static let cache = ServerCache<PrometheusServer>()
    private static let postgresCache = ServerCache<PostgresServer>()

    /// The PostgreSQL server of this process, started on first use and shared; give each test a
    /// database of its own (``PostgresServer/createDatabase(_:owner:)``).
    package static func postgres() async throws -> PostgresServer {
        try await postgresCache.server(name: "postgres") { try PostgresServer(workDirectory: folder) }
    }

    /// The Prometheus server for the scenario called `name`, started on first use and shared by
    /// every later caller in this process (the first caller's `scenario` wins; give different
    /// scenarios different names). Generation and backfill happen once, under ``folder``.
    package static func prometheus(for scenario: Scenario, name: String) async throws -> PrometheusServer {
        try await cache.server(name: name) {
            try startPrometheus(for: scenario, in: (folder as NSString).appendingPathComponent(safeName(name)))
        }
    }

    /// Generates `scenario` into `directory`, backfills it and starts Prometheus over it.
    /// Files: `tsdb/` (replaced), `prometheus.yml`, `prometheus.log`; the intermediate
    /// `scenario.om` is deleted once backfilled.
    package static func startPrometheus(for scenario: Scenario, in directory: String, detached: Bool = false) throws -> PrometheusServer {
        try PrometheusServer.require()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = (directory as NSString).appendingPathComponent("scenario.om")
        let tsdb = (directory as NSString).appendingPathComponent("tsdb")
        // Blocks from an earlier run would overlap the new ones.
        try? FileManager.default.removeItem(atPath: tsdb)
        try OpenMetricsGenerator.write(scenario, to: file)
        // promtool reads the whole input once per block: blocks as long as the data (in whole
        // days, at least one) keep a scenario of weeks as quick to import as one of hours.
        let days = max(1, (scenario.dataEnd - scenario.dataStart) / 86_400_000 + 2)
        try Backfill.run(openMetricsFile: file, tsdbDirectory: tsdb, maxBlockDuration: "\(days * 24)h")
        // The blocks hold everything; the text is only needed again to debug.
        try? FileManager.default.removeItem(atPath: file)
        return try PrometheusServer(tsdbDirectory: tsdb, workDirectory: directory, detached: detached)
    }

    private static func safeName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}

/// One server per scenario name; concurrent first callers wait for the same start.
actor ServerCache<Server: Sendable> {
    private var servers: [String: Task<Server, Error>] = [:]

    func server(name: String, start: @escaping @Sendable () throws -> Server) async throws -> Server {
        if let task = servers[name] { return try await task.value }
        let task = Task.detached { try start() }
        servers[name] = task
        do {
            return try await task.value
        } catch {
            // Let a later test try again rather than repeat a stale failure.
            servers[name] = nil
            throw error
        }
    }
}
