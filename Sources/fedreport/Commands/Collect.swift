import ArgumentParser
import FedCore
import FedRun

extension Fedreport {
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query every cluster and store a snapshot per cluster and build.",
            discussion: """
                Runs the query set against the querier for the window, attributes every sample to a \
                cluster, a build and a component, and stores the snapshots in one transaction: a failed \
                or killed run leaves the database as it was. Collecting the same cluster and window again \
                replaces the earlier snapshot.

                Examples:
                  fedreport collect                                   # the last 24 h, all clusters
                  fedreport collect --start 2026-11-01T00:00:00Z --end 2026-11-02T00:00:00Z
                  fedreport collect --window 6h --cluster test-cluster-0
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var window: WindowOptions

        @Option(name: .customLong("cluster"), help: "Collect only this cluster (repeatable).")
        var clusters: [String] = []

        @OptionGroup var runOptions: RunOptions

        func run() throws {
            try guarded {
                let context = try global.context {
                    window.apply(to: &$0)
                    runOptions.apply(to: &$0)
                }
                let settings = CollectRun.Settings(
                    grid: try window.grid(context.configuration), clusters: clusters, wait: runOptions.wait)
                return try CollectRun.run(settings, in: context, reporter: global.printer).outcome
            }
        }
    }
}
