import ArgumentParser
import FedClient
import FedCollect
import FedCore
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

        @Option(help: "Look at the window ending here (RFC 3339 or Unix seconds; default: now).")
        var end: String?

        @Option(help: "How far back to look for clusters and data (default: collect.window).")
        var window: String?

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let logger = global.logger()
                let resources = try RunResources.load(configuration: configuration, environment: ProcessInfo.processInfo.environment)
                let client = try PrometheusClient(querier: configuration.querier, logger: logger)
                let windowLength = try window.map { try parseDurationOption($0, option: "--window") } ?? configuration.collect.window
                let endTime = try end.map { try parseTime($0, option: "--end") } ?? Int64(Date().timeIntervalSince1970 * 1000)
                let step = configuration.collect.step
                let grid = Collector.grid(start: nil, end: endTime, window: windowLength, step: step, now: endTime)
                let collector = Collector(
                    configuration: configuration, client: client, querySet: resources.querySet, maps: resources.maps, logger: logger)

                let build = try client.buildInfo()
                print("Querier:   \(client.baseURL)")
                print(
                    "Server:    \(build.map { "\($0["version"] ?? "?") (revision \($0["revision"] ?? "?"))" } ?? "build info not offered")")
                print("Window:    \(formatTime(grid.start)) to \(formatTime(grid.end))")
                print("Query set: \(resources.querySet.folder) (sha256 \(resources.querySet.hash.prefix(12)))")
                print("")
                let plans = try collector.plan(grid: grid, only: [])
                if plans.isEmpty {
                    printError("error: \(CollectError.noClusters(url: client.baseURL).localizedDescription)")
                    return Exit.error
                }
                var problems = 0
                var rows: [[String]] = []
                for plan in plans {
                    var build = "-"
                    do {
                        let timeline = try collector.buildTimeline(plan: plan, grid: grid)
                        build = timeline.segments.map(\.version).joined(separator: " → ")
                        if build.isEmpty {
                            build = "missing"
                            problems += 1
                        }
                    } catch {
                        build = "error: \(describe(error))"
                        problems += 1
                    }
                    var cells: [String] = []
                    for query in resources.querySet.queries(for: plan.distribution) {
                        let promql = query.render(
                            clusterLabel: configuration.collect.clusterLabel, cluster: plan.name,
                            rateWindow: configuration.collect.rateWindow)
                        let subqueryStep = PromDuration(milliseconds: max(step.milliseconds, windowLength.milliseconds / 48))
                        let count = "count(last_over_time((\(promql))[\(windowLength):\(subqueryStep)]))"
                        let sink = SeriesCollector(grid: TimeGrid(start: grid.end, step: grid.step, count: 1))
                        do {
                            _ = try client.queryInstant(count, at: grid.end, sink: sink)
                            let n = sink.series.first.map { Int($0.values[0]) } ?? 0
                            if n == 0 { problems += 1 }
                            cells.append("\(query.name): \(n == 0 ? "NO DATA" : "\(n) series")")
                        } catch {
                            problems += 1
                            cells.append("\(query.name): error")
                            printError("error: \(plan.name) \(query.name): \(describe(error))")
                        }
                    }
                    rows.append([plan.name, plan.distribution, build, cells.joined(separator: ", ")])
                }
                print(table(["CLUSTER", "DISTRIBUTION", "BUILD", "QUERIES"], rows))
                if problems > 0 {
                    printError(
                        "\n\(problems) problem(s): a query with NO DATA means the metric is not federated from that cluster (check the federation match[] list) or the cluster label differs (collect.cluster_label)."
                    )
                    return Exit.error
                }
                return Exit.ok
            }
        }
    }
}
