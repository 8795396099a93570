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
                    // Keyed by member and component: one namespace may feed several components.
                    var seen: [MemberKey: Int] = [:]
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
                            seen[MemberKey(member: ComponentMap.member(of: s.labels), component: map.classify(s.labels)), default: 0] += 1
                        }
                    }
                    print("\(plan.name) (\(plan.distribution), map \(map.source))")
                    let rows = seen.sorted { ($0.key.component, $0.key.member) < ($1.key.component, $1.key.member) }.map { key, count in
                        [key.member, key.component.name, key.component.category.rawValue, "\(count)"]
                    }
                    unmapped += seen.keys.filter { $0.component == .other }.count
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

/// A namespace or host service and a component it feeds.
struct MemberKey: Hashable {
    var member: String
    var component: ComponentRef
}
