import ArgumentParser
import FedCollect
import FedCore
import FedRun

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
                let context = try global.context { window.apply(to: &$0) }
                let grid = try window.grid(context.configuration)
                let collector = try context.collector()
                let plans = try collector.plan(grid: grid, only: clusters)
                if plans.isEmpty { throw CollectError.noClusters(url: collector.client.baseURL) }
                var unmapped = 0
                for plan in plans {
                    guard let map = collector.maps[plan.distribution] else {
                        throw CollectError.missingMap(distribution: plan.distribution, looked: collector.querySet.folder)
                    }
                    let members = try collector.members(plan: plan, grid: grid, map: map)
                    print("\(plan.name) (\(plan.distribution), map \(map.source))")
                    let rows = members.map { [$0.member, $0.component.name, $0.component.category.rawValue, "\($0.containers)"] }
                    unmapped += members.filter { $0.component == .other }.count
                    print(textTable(["NAMESPACE OR SERVICE", "COMPONENT", "CATEGORY", "CONTAINERS"], rows))
                    print("")
                }
                if unmapped > 0 {
                    global.printer.say(
                        RunMessage(
                            .info, "\(unmapped) namespace(s) or service(s) fall into 'other': add rules for them to the component map."))
                }
                return .ok
            }
        }
    }
}
