import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestSupport
import Foundation

/// The small scenario's Prometheus, shared by the suites that collect from it.
package enum SmallScenario {
    package static let scenario = Scenarios.small
    package static func server() async throws -> PrometheusServer {
        try await TestBed.prometheus(for: scenario, name: "small")
    }
}

/// The queries of the small scenario's one OpenShift cluster, as substrings of the PromQL that
/// `fedreport collect` sends (rendered from queries/*.yaml), in the order it sends them.
package enum SmallQueries {
    package static let cluster = "small-ocp-0"
    package static let timeline = "cluster_version"
    package static let containerCPU = #"rate(container_cpu_usage_seconds_total{ cluster="small-ocp-0", image!="#
    package static let containerMemory = #"container_memory_working_set_bytes{ cluster="small-ocp-0", image!="#
    package static let hostCPU = #"rate(container_cpu_usage_seconds_total{ cluster="small-ocp-0", id=~"#
    package static let hostMemory = #"container_memory_working_set_bytes{ cluster="small-ocp-0", id=~"#
}

/// One test's proxy, folder, configuration and database.
package struct Bed {
    package let proxy: FaultProxy
    package let upstream: String
    package let folder: String
    package let config: String
    package var database: String { "\(folder)/fedreport.sqlite" }
    package static let window = Scenarios.small.collectableWindow
    /// The collectable window as --start/--end.
    package static let windowArguments = ["--start", "\(window.lowerBound / 1000)", "--end", "\(window.upperBound / 1000)"]

    /// A proxy in front of the small scenario's Prometheus, and a configuration that collects its
    /// one cluster (named, so no discovery) through the proxy with 2 retries.
    package static func make(
        _ name: String, timeout: String = "60s", querier extraQuerier: String = "", clusters: [String] = [SmallQueries.cluster],
        folder: String? = nil
    ) async throws -> Bed {
        let server = try await SmallScenario.server()
        let proxy = try FaultProxy(upstream: server.url)
        let folder = try folder ?? temporaryFolder("rel-\(name)")
        let config = "\(folder)/fedreport.yaml"
        let text = """
            querier:
              url: \(proxy.url)
              timeout: \(timeout)
              retries: 2
            \(extraQuerier)
            database: \(folder)/fedreport.sqlite
            clusters:
            \(clusters.map { "  - {name: \($0), distribution: ocp}" }.joined(separator: "\n"))
            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return Bed(proxy: proxy, upstream: server.url, folder: folder, config: config)
    }

    package func collect(_ extra: [String] = [], environment: [String: String] = [:]) throws -> RunResult {
        try runFedreport(["collect", "--config", config] + Bed.windowArguments + extra, environment: environment)
    }

    package func store() throws -> SnapshotStore { try SnapshotStore(path: database, readOnly: true) }

    /// `sqlite3 <db> .dump`: the database's whole content as SQL text.
    package func dump() throws -> String { try sqlite(database, ".dump") }
}

/// Runs the sqlite3 command-line tool (independent of GRDB) and returns its stdout, trimmed.
package func sqlite(_ database: String, _ sql: String) throws -> String {
    try Tools.run(try Tools.require("sqlite3", package: "sqlite3"), [database, sql]).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Starts the real binary without waiting; stdout and stderr go to files in `folder`.
package final class Spawned: @unchecked Sendable {
    package let process = Process()
    package let outPath: String
    package let errPath: String

    package init(
        _ arguments: [String], folder: String, environment: [String: String] = [:], shell: String? = nil,
        executable: String = fedreportBinary
    ) throws {
        let tag = UUID().uuidString.prefix(8)
        outPath = "\(folder)/spawn-\(tag).out"
        errPath = "\(folder)/spawn-\(tag).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " \"$0\" \"$@\"", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["FEDREPORT_TOKEN"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    package var pid: Int32 { process.processIdentifier }

    package func wait() -> RunResult {
        process.waitUntilExit()
        return RunResult(
            status: process.terminationStatus, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// Waits until `condition` holds, up to `timeout` seconds.
package func waitUntil(_ timeout: Double, _ condition: () -> Bool) async throws -> Bool {
    let until = Date().addingTimeInterval(timeout)
    while Date() < until {
        if condition() { return true }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    return condition()
}
