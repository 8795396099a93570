import ArgumentParser
import FedTestSupport

/// The test bed as a command: generate scenarios, backfill them, serve them with Prometheus.
@main
struct FedSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedsim",
        abstract: "Generates deterministic cluster metrics and serves them with a real Prometheus.",
        subcommands: [Generate.self, Serve.self, Up.self, Window.self, Exporter.self, Pipeline.self])
}

/// The scenario to use, shared by every subcommand.
struct ScenarioOption: ParsableArguments {
    @Option(help: "The scenario: \(Scenarios.names.joined(separator: " or ")).")
    var scenario: String = "demo"

    func validate() throws {
        guard Scenarios.names.contains(scenario) else {
            throw ValidationError(
                "There is no scenario '\(scenario)'; use --scenario \(Scenarios.names.joined(separator: " or --scenario ")).")
        }
    }

    func load() throws -> Scenario { try Scenarios.named(scenario) }
}
