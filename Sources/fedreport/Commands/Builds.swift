import ArgumentParser
import FedCore
import FedReports
import FedStoreCore
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
                // Build order within each distribution, as the reports use it (orderedBuilds).
                let all = try store.builds()
                let builds = Set(all.map(\.distribution)).sorted().flatMap { distribution in
                    let infos = all.filter { $0.distribution == distribution }
                    let byName = Dictionary(uniqueKeysWithValues: infos.map { ($0.build, $0) })
                    return orderedBuilds(infos).compactMap { byName[$0] }
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
