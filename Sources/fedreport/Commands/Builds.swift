import ArgumentParser
import FedCore
import FedStore
import Foundation

/// Where a listing goes.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

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
                let store = try SnapshotStore(path: configuration.database, readOnly: true)
                // Version order within each distribution: 4.6.9 before 4.6.10, nightlies by date.
                let builds = try store.builds().sorted {
                    ($0.distribution, BuildVersion($0.build)) < ($1.distribution, BuildVersion($1.build))
                }
                switch format {
                case .json: try printJSON(builds)
                case .table:
                    print(
                        table(
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

    struct Snapshots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List snapshots with their window, coverage counts and flags.",
            discussion: """
                Example:
                  fedreport snapshots --build 4.6.8
                  fedreport snapshots --format json
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only snapshots of this build.")
        var build: String?

        @Option(help: "table or json.")
        var format: ListFormat = .table

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let store = try SnapshotStore(path: configuration.database, readOnly: true)
                let snapshots = try store.snapshots(SnapshotFilter(build: build))
                switch format {
                case .json: try printJSON(snapshots)
                case .table:
                    print(
                        table(
                            ["ID", "CLUSTER", "BUILD", "START", "END", "STEP", "INCLUDED", "LEFT OUT", "PARTIAL", "QUERY SET"],
                            snapshots.map {
                                [
                                    "\($0.id)", $0.cluster, $0.build, formatTime($0.start), formatTime($0.end),
                                    PromDuration(milliseconds: $0.step).description, "\($0.includedTimestamps)",
                                    "\($0.leftOut.timestamps)", $0.partial ? "yes: " + $0.warnings.joined(separator: "; ") : "no",
                                    String($0.querySetHash.prefix(12)),
                                ]
                            }))
                }
                return Exit.ok
            }
        }
    }
}
