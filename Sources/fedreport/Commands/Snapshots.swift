import ArgumentParser
import FedCore
import FedReports
import FedRun
import Foundation

extension Fedreport {
    struct Snapshots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List snapshots with their window, coverage counts and flags.",
            discussion: """
                With --containers ID, the drill-down of one snapshot: statistics per pod and \
                container (and host service), optionally for one component. A build, snapshot, \
                component or query set that is not stored exits 4, naming those that are.

                Example:
                  fedreport snapshots --build 4.6.8
                  fedreport snapshots --format json
                  fedreport snapshots --containers 3 --component etcd
                  fedreport snapshots --query-set b109ade3edaa
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only snapshots of this build.")
        var build: String?

        @Option(help: "Show the per-container statistics of the snapshot with this id.")
        var containers: Int64?

        @Option(help: "With --containers: only this component.")
        var component: String?

        @Option(name: .customLong("query-set"), help: "Print the queries of the query set with this hash (or hash prefix).")
        var querySet: String?

        @Option(help: "table or json.")
        var format: ListFormat = .table

        func validate() throws {
            if component != nil && containers == nil {
                throw ValidationError("--component narrows the drill-down of one snapshot: give --containers ID too.")
            }
        }

        func run() throws {
            try guarded {
                let store = try global.context().openStore(readOnly: true)
                if let hash = querySet {
                    let record = try Listings.querySet(store, hashPrefix: hash)
                    switch format {
                    case .json: try printJSON(record)
                    case .table:
                        print("Query set \(record.hash) (from \(record.folder))")
                        for d in record.definitions {
                            print("\n# \(d.name): \(d.resource), distributions \(d.distributions.joined(separator: ", "))\n\(d.promql)")
                        }
                    }
                    return .ok
                }
                if let id = containers {
                    let shown = try Listings.containers(store, snapshot: id, component: component)
                    switch format {
                    case .json: try printJSON(shown)
                    case .table:
                        print(
                            textTable(
                                ["COMPONENT", "NAMESPACE", "POD", "CONTAINER", "RESOURCE", "MEAN", "P95", "MAX", "COVERAGE"],
                                shown.map {
                                    [
                                        $0.component, $0.namespace, $0.pod, $0.container, $0.resource.rawValue,
                                        formatFigure($0.summary.mean, $0.resource), formatFigure($0.summary.p95, $0.resource),
                                        formatFigure($0.summary.max, $0.resource), Units.percent($0.summary.coverage, decimals: 1),
                                    ]
                                }))
                    }
                    return .ok
                }
                let snapshots = try Listings.snapshots(store, build: build)
                switch format {
                case .json: try printJSON(snapshots)
                case .table:
                    print(
                        textTable(
                            ["ID", "CLUSTER", "BUILD", "START", "END", "STEP", "INCLUDED", "LEFT OUT", "PARTIAL", "QUERY SET"],
                            snapshots.map {
                                [
                                    "\($0.id)", $0.cluster, $0.build, isoTime($0.start), isoTime($0.end),
                                    PromDuration(milliseconds: $0.step).description, "\($0.includedTimestamps)",
                                    "\($0.leftOut.timestamps)", $0.partial ? "yes: " + $0.warnings.joined(separator: "; ") : "no",
                                    String($0.querySetHash.prefix(12)),
                                ]
                            }))
                }
                return .ok
            }
        }
    }
}

/// A figure in the unit a terminal reader expects: cores with 4 decimals, memory in MiB.
func formatFigure(_ value: Double, _ resource: Resource) -> String {
    resource == .cpu ? String(format: "%.4f", value) : String(format: "%.1f MiB", value / 1_048_576)
}
