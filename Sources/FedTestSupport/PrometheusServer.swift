import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Prometheus server (the Debian 2.42 package) on a free loopback port, serving a TSDB
/// folder, typically one that ``Backfill`` filled.
///
/// It scrapes nothing and keeps data for 100 years, so backfilled past data stays queryable.
/// Stopped by ``stop()``, in `deinit`, when the process exits, and by a watchdog if the process
/// dies (unless started `detached`).
package final class PrometheusServer: Sendable {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    package let url: String
    package let port: Int
    package let tsdbDirectory: String
    /// Where Prometheus's stdout and stderr go.
    package let logPath: String
    private let child: ManagedProcess

    /// The process id of the server.
    package var pid: Int32 { child.pid }

    /// Throws ``TestBedError/toolMissing(tool:install:)`` when prometheus or promtool is missing.
    package static func require() throws {
        _ = try Tools.require("prometheus", package: "prometheus")
        _ = try Tools.require("promtool", package: "prometheus")
    }

    /// Starts Prometheus over `tsdbDirectory`, writing its configuration and log into
    /// `workDirectory`, and waits up to `timeout` seconds for `GET /-/ready` to answer 200.
    ///
    /// With `detached`, the server outlives this process (for `fedsim up`); stop it by its pid.
    package init(tsdbDirectory: String, workDirectory: String, timeout: Double = 30, detached: Bool = false) throws {
        let prometheus = try Tools.require("prometheus", package: "prometheus")
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let config = (workDirectory as NSString).appendingPathComponent("prometheus.yml")
        // No scrape configs: the server only serves what was backfilled.
        try "global:\n  scrape_interval: 30s\nscrape_configs: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        logPath = (workDirectory as NSString).appendingPathComponent("prometheus.log")
        self.tsdbDirectory = tsdbDirectory
        let started = try Loopback.startServer(
            name: "prometheus", executable: prometheus, readyPath: "/-/ready", logPath: logPath, detached: detached, timeout: timeout
        ) { port in
            [
                "--config.file=\(config)", "--storage.tsdb.path=\(tsdbDirectory)", "--storage.tsdb.retention.time=100y",
                "--web.listen-address=127.0.0.1:\(port)",
            ]
        }
        url = started.url
        port = started.port
        child = started.child
    }

    /// Starts Prometheus with `config` (its scrapes and remote writes), its TSDB in
    /// `workDirectory`/tsdb, with `flags` besides (`--web.enable-remote-write-receiver`, say), and
    /// waits up to `timeout` seconds for it to be ready: a live server of the pipeline.
    package init(config: String, workDirectory: String, flags: [String] = [], timeout: Double = 30) throws {
        let prometheus = try Tools.require("prometheus", package: "prometheus")
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let path = (workDirectory as NSString).appendingPathComponent("prometheus.yml")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        logPath = (workDirectory as NSString).appendingPathComponent("prometheus.log")
        let tsdb = (workDirectory as NSString).appendingPathComponent("tsdb")
        tsdbDirectory = tsdb
        let started = try Loopback.startServer(
            name: "prometheus", executable: prometheus, readyPath: "/-/ready", logPath: logPath, timeout: timeout
        ) { port in
            ["--config.file=\(path)", "--storage.tsdb.path=\(tsdb)", "--web.listen-address=127.0.0.1:\(port)"] + flags
        }
        url = started.url
        port = started.port
        child = started.child
    }

    /// Stops the server: SIGTERM, then SIGKILL after 5 s. Safe to call more than once.
    package func stop() { child.stop() }
}
