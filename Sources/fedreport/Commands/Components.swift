import ArgumentParser
import FedClient
import FedCollect
import FedCore
import Foundation

extension Fedreport {
    struct Components: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which component and category each namespace or service lands in.",
            discussion: """
                Looks at the namespaces and host services each cluster actually exposes in the window \
                and classifies them with the component map of the cluster's distribution. Members of \
                `other` are what the map is missing.

                Example:
                  fedreport components --cluster test-cluster-0 --end 2026-11-01T00:00:00Z
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var window: WindowOptions

        @Option(name: .customLong("cluster"), help: "Only this cluster (repeatable).")
        var clusters: [String] = []

        func run() throws {
            try guarded {
                var configuration = try global.load()
                try window.apply(to: &configuration)
                let logger = global.logger()
                let resources = try RunResources.load(configuration: configuration, environment: ProcessInfo.processInfo.environment)
                let client = try PrometheusClient(querier: configuration.querier, logger: logger)
                let grid = try window.grid(configuration)
                let collector = Collector(
                    configuration: configuration, client: client, querySet: resources.querySet, maps: resources.maps, logger: logger)
                let plans = try collector.plan(grid: grid, only: clusters)
                if plans.isEmpty { throw CollectError.noClusters(url: client.baseURL) }
                var unmapped = 0
                for plan in plans {
                    guard let map = resources.maps[plan.distribution] else {
                        throw CollectError.missingMap(distribution: plan.distribution, looked: resources.querySet.folder)
                    }
                    var seen: [String: (ComponentRef, Int)] = [:]
                    for query in resources.querySet.queries(for: plan.distribution) where query.resource == .memory {
                        let promql = query.render(
                            clusterLabel: configuration.collect.clusterLabel, cluster: plan.name,
                            rateWindow: configuration.collect.rateWindow)
                        let span = PromDuration(milliseconds: grid.end - grid.start + grid.step)
                        let subStep = PromDuration(milliseconds: max(grid.step, span.milliseconds / 48))
                        let expression = "last_over_time((\(promql))[\(span):\(subStep)])"
                        let sink = SeriesCollector(grid: TimeGrid(start: grid.end, step: grid.step, count: 1))
                        _ = try client.queryInstant(expression, at: grid.end, sink: sink)
                        for s in sink.series {
                            let member = ComponentMap.member(of: s.labels)
                            let component = map.classify(s.labels)
                            let count = seen[member]?.1 ?? 0
                            seen[member] = (component, count + 1)
                        }
                    }
                    print("\(plan.name) (\(plan.distribution), map \(map.source))")
                    let rows = seen.sorted { ($0.value.0, $0.key) < ($1.value.0, $1.key) }.map { member, value in
                        [member, value.0.name, value.0.category.rawValue, "\(value.1)"]
                    }
                    unmapped += seen.values.filter { $0.0 == .other }.count
                    print(table(["NAMESPACE OR SERVICE", "COMPONENT", "CATEGORY", "CONTAINERS"], rows))
                    print("")
                }
                if unmapped > 0 {
                    printError("\(unmapped) namespace(s) or service(s) fall into 'other': add rules for them to the component map.")
                }
                return Exit.ok
            }
        }
    }
}
