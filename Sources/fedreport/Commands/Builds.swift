import ArgumentParser
import FedCore
import FedRun

extension Fedreport {
    struct Builds: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List each build with its distribution, clusters, snapshots and dates.",
            discussion: """
                Example:
                  fedreport builds
                  fedreport builds --format json
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "table or json.")
        var format: ListFormat = .table

        func run() throws {
            try guarded {
                let builds = try Listings.builds(try global.context().openStore(readOnly: true))
                switch format {
                case .json: try printJSON(builds)
                case .table:
                    print(
                        textTable(
                            ["BUILD", "DISTRIBUTION", "CLUSTERS", "SNAPSHOTS", "FIRST", "LAST"],
                            builds.map {
                                [
                                    $0.build, $0.distribution, $0.clusters.joined(separator: ","), "\($0.snapshots)", isoTime($0.first),
                                    isoTime($0.last),
                                ]
                            }))
                }
                return .ok
            }
        }
    }
}
