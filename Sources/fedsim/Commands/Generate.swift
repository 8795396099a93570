import ArgumentParser
import FedTestSupport
import Foundation

extension FedSim {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a scenario as OpenMetrics text for promtool tsdb create-blocks-from openmetrics.")

        @OptionGroup var scenario: ScenarioOption

        @Option(help: "The file to write, e.g. demo.om.")
        var out: String

        func run() throws {
            let started = Date()
            let summary = try OpenMetricsGenerator.write(try scenario.load(), to: out)
            let seconds = Date().timeIntervalSince(started)
            FileHandle.standardError.write(
                Data(
                    "fedsim: wrote \(summary.series) series, \(summary.samples) samples, \(summary.bytes) bytes to \(out) in \(String(format: "%.1f", seconds)) s\n"
                        .utf8))
        }
    }
}
