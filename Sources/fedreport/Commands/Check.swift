import ArgumentParser
import FedCollect
import FedCore
import FedRun
import Foundation

extension Fedreport {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the querier is reachable and has what collect needs.",
            discussion: """
                Reaches the querier with the configured auth, prints the server's build, the clusters \
                it sees with the distribution and build of each, and whether each query of the query \
                set returns data for each cluster. Exits 1 when anything collect needs is missing.

                Example:
                  fedreport check --config fedreport.yaml
                  fedreport check --url http://localhost:9090 --end 2026-11-01T00:00:00Z
                """)

        @OptionGroup var global: GlobalOptions

        @Option(
            help: "Look at the window ending here (RFC 3339, a date, Unix seconds, now or now-6h; default: now).",
            transform: Read.time("--end"))
        var end: Timestamp?

        @Option(help: "How far back to look for clusters and data (default: collect.window).", transform: Read.duration("--window"))
        var window: PromDuration?

        func run() throws {
            try guarded {
                let context = try global.context()
                let configuration = context.configuration
                let collector = try context.collector()
                let client = collector.client
                let resources = RunResources(querySet: collector.querySet, maps: collector.maps)
                let endTime = end?.milliseconds ?? context.now
                let grid = Collector.grid(
                    start: nil, end: endTime, window: window ?? configuration.collect.window, step: configuration.collect.step, now: endTime
                )

                let build = try client.buildInfo()
                print("Querier:   \(client.baseURL)")
                print(
                    "Server:    \(build.map { "\($0["version"] ?? "?") (revision \($0["revision"] ?? "?"))" } ?? "build info not offered")")
                print("Window:    \(isoTime(grid.start)) to \(isoTime(grid.end))")
                print("Query set: \(resources.querySet.folder) (sha256 \(resources.querySet.hash.prefix(12)))")
                print("")
                let shape = try collector.hubShape(grid: grid)
                printHubShape(shape, label: configuration.collect.clusterLabel, querySet: resources.querySet)
                let plans = try collector.plan(grid: grid, only: [])
                if plans.isEmpty {
                    printError("error: \(describe(CollectError.noClusters(url: client.baseURL)))")
                    if let label = shape.proposedClusterLabel(configured: configuration.collect.clusterLabel) {
                        printError("The hub names clusters with \(label) instead: set collect.cluster_label: \(label).")
                    }
                    return .error
                }
                let checks = plans.map { collector.check(plan: $0, grid: grid) }
                let rows = checks.map { c -> [String] in
                    let build =
                        c.timelineError.map { "error: \($0)" } ?? (c.versions.isEmpty ? "missing" : c.versions.joined(separator: " → "))
                    let cells = c.queries.map { q in
                        "\(q.name): \(q.seriesCount.map { $0 == 0 ? "NO DATA" : "\($0) series" } ?? "error")"
                    }
                    return [c.plan.name, c.plan.distribution, build, cells.joined(separator: ", ")]
                }
                for c in checks {
                    for q in c.queries { if let error = q.error { printError("error: \(c.plan.name) \(q.name): \(error)") } }
                }
                let problems = checks.map(\.problems).reduce(0, +)
                print(textTable(["CLUSTER", "DISTRIBUTION", "BUILD", "QUERIES"], rows))
                if problems > 0 {
                    printError(
                        "\n\(problems) problem(s): a query with NO DATA means the metric is not federated from that cluster (check the federation match[] list) or the cluster label differs (collect.cluster_label)."
                    )
                    return .error
                }
                return .ok
            }
        }

        /// What the hub carries and lacks, and how to get the rest.
        func printHubShape(_ shape: HubShape, label: String, querySet: QuerySet) {
            print("Hub has:   \(shape.present.isEmpty ? "none of the metrics the query set reads" : shape.present.joined(separator: ", "))")
            if !shape.missing.isEmpty { print("Hub lacks: \(shape.missing.joined(separator: ", "))") }
            print(
                "Rules:     \(shape.recordingRules.isEmpty ? "no cluster-monitoring-operator container rules" : shape.recordingRules.joined(separator: ", "))"
            )
            let labels = shape.clusterLabels.map { "\($0.label) (\($0.clusters.count) value\($0.clusters.count == 1 ? "" : "s"))" }
            print(
                "Clusters:  named by \(labels.isEmpty ? "no known label" : labels.joined(separator: ", ")); collect.cluster_label is \(label)"
            )
            print("")
            if let proposed = shape.proposedClusterLabel(configured: label) {
                print("Set collect.cluster_label: \(proposed): the series name their cluster there, not in \(label).")
            }
            let read = Set(shape.missing).intersection(Set(FederationSelectors.metricNames(of: querySet)))
            if !read.isEmpty && !shape.recordingRules.isEmpty {
                print(
                    "The hub carries recording rules but not \(read.sorted().joined(separator: ", ")): set queries: recording-rules to measure from the rules."
                )
            }
            if !shape.missing.isEmpty {
                print(
                    "To federate what the query set and collect read, the federating job needs these match[] selectors (fedreport federation writes the whole job):"
                )
                for s in shape.selectors { print("  match[]=\(s)") }
            }
            print("")
        }
    }
}
