import ArgumentParser
import FedTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Options of `serve` and `up`.
struct ServeOptions: ParsableArguments {
    @Option(help: "The folder for the TSDB, the Prometheus configuration, log and prometheus.pid.")
    var dir: String

    var pidFile: String { (dir as NSString).appendingPathComponent("prometheus.pid") }

    /// Refuses to start a second server over the same folder.
    func checkNotRunning() throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0
        else { return }
        throw AlreadyRunning(pid: pid, dir: dir)
    }

    func start(_ scenario: Scenario, detached: Bool) throws -> PrometheusServer {
        try checkNotRunning()
        let server = try TestBed.startPrometheus(for: scenario, in: dir, detached: detached)
        try "\(server.pid)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        return server
    }
}

/// A server from an earlier `up` still serves the folder.
struct AlreadyRunning: LocalizedError {
    let pid: Int32
    let dir: String
    var errorDescription: String? {
        "Prometheus (pid \(pid)) is still running over \(dir); stop it with `kill \(pid)` first."
    }
}

extension FedSim {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generates and backfills a scenario, then runs Prometheus over it in the foreground.",
            discussion: "Prints the server's URL on the first line of stdout and runs until SIGTERM or SIGINT.")

        @OptionGroup var scenario: ScenarioOption
        @OptionGroup var options: ServeOptions

        func run() throws {
            let server = try options.start(try scenario.load(), detached: false)
            print(server.url)
            fflush(nil)
            // Only after Prometheus started, so that it does not inherit the ignored signals.
            waitForSignal()
            server.stop()
            try? FileManager.default.removeItem(atPath: options.pidFile)
        }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generates and backfills a scenario, starts Prometheus in the background and returns once it is ready.",
            discussion: "Prints the server's URL. Stop the server with `kill $(cat DIR/prometheus.pid)`.")

        @OptionGroup var scenario: ScenarioOption
        @OptionGroup var options: ServeOptions

        func run() throws {
            let server = try options.start(try scenario.load(), detached: true)
            print(server.url)
        }
    }
}
