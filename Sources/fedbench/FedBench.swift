import ArgumentParser
import Foundation

/// fedreport's performance benchmark: `make bench` runs `fedbench run`.
@main
struct FedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedbench",
        abstract: "Measures fedreport against its performance targets (docs/performance.md) and writes reports/bench/.",
        subcommands: [Run.self, Prepare.self, Decode.self])
}

/// Where the cached data sets live and which scenario they hold.
struct DataOptions: ParsableArguments {
    @Option(help: "Folder for generated data, caches and the Python venv (git-ignored).")
    var dataDir = ".bench"

    @Option(help: "Containers per simulated cluster.")
    var containers = 400

    @Option(help: "Hours in the collect window.")
    var hours = 24

    var scenario: BenchScenario { BenchScenario(containers: containers, hours: hours) }
    var dataSet: DataSet { DataSet(scenario: scenario, root: dataDir) }
}

func note(_ text: String) {
    FileHandle.standardError.write(Data("fedbench: \(text)\n".utf8))
}

extension FedBench {
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generates and backfills N cluster-days (cached).")

        @OptionGroup var data: DataOptions

        @Option(help: "Number of clusters the TSDB must hold.")
        var clusters = 1

        func run() throws {
            try data.dataSet.prepare(clusters: clusters, log: note)
        }
    }
}
