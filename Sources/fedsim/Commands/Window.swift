import ArgumentParser
import FedTestSupport

extension FedSim {
    struct Window: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints the start and end (Unix seconds) of the window a collector can query in full.",
            discussion: """
                With --runs, one line per run of each cluster that stops between runs (the nightlies' CI \
                cluster): the run's start plus ten minutes (a rate window filled) and its last sample.
                """)

        @OptionGroup var scenario: ScenarioOption

        @Flag(help: "One line per run of the clusters that have gaps, instead of one window.")
        var runs = false

        func run() throws {
            let loaded = try scenario.load()
            guard runs else {
                let window = loaded.collectableWindow
                print("\(window.lowerBound / 1000) \(window.upperBound / 1000)")
                return
            }
            for cluster in loaded.clusters where !cluster.gaps.isEmpty {
                // A run too short to fill a rate window and settle holds nothing to collect.
                for run in Scenarios.runs(of: cluster, in: loaded) where run.upperBound - run.lowerBound >= 1_200_000 {
                    let step = loaded.scrapeInterval
                    let last = run.upperBound - run.upperBound % step
                    print("\((run.lowerBound + 600_000) / 1000) \(last / 1000)")
                }
            }
        }
    }
}
