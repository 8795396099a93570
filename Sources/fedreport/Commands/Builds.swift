import ArgumentParser
import FedCore
import FedStore
import Foundation

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
                let configuration = try global.load()
                let store = try global.openStore(configuration, readOnly: true)
                // Version order within each distribution: 4.6.9 before 4.6.10, nightlies by date.
                let builds = try store.builds().sorted {
                    ($0.distribution, BuildVersion($0.build)) < ($1.distribution, BuildVersion($1.build))
                }
                switch format {
                case .json: try printJSON(builds)
                case .table:
                    print(
                        textTable(
                            ["BUILD", "DISTRIBUTION", "CLUSTERS", "SNAPSHOTS", "FIRST", "LAST"],
                            builds.map {
                                [
                                    $0.build, $0.distribution, $0.clusters.joined(separator: ","), "\($0.snapshots)", formatTime($0.first),
                                    formatTime($0.last),
                                ]
                            }))
                }
                return Exit.ok
            }
        }
    }
}
