import ArgumentParser
import FedTestSupport

extension FedSim {
    struct Window: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints the start and end (Unix seconds) of the window a collector can query in full.")

        @OptionGroup var scenario: ScenarioOption

        func run() throws {
            let window = try scenario.load().collectableWindow
            print("\(window.lowerBound / 1000) \(window.upperBound / 1000)")
        }
    }
}
