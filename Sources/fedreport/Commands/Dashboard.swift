import ArgumentParser
import FedCollect
import FedCore
import FedDashboards
import FedRun
import Foundation

extension DashboardDatasource: ExpressibleByArgument {}

extension Fedreport {
    struct Dashboard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a Grafana dashboard built from the query set and the component maps.",
            discussion: """
                The dashboard (Grafana's classic JSON model, schemaVersion 39, for Grafana 10 and 11) \
                has a row of platform totals and a row per category with a panel per component and \
                resource. With --datasource prometheus the panels run the query set's PromQL with \
                each component's matchers, per cluster and build (variables cluster and version); \
                with --datasource postgres they read fedreport's PostgreSQL store: mean and p95 of \
                build A, build B and the baseline, as the reports compute them. Import it in \
                Grafana (Dashboards → New → Import) and pick the data source.

                Examples:
                  fedreport dashboard --output fedreport-ocp.json
                  fedreport dashboard --datasource postgres --distribution ocp --output fedreport-history.json
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "prometheus (the querier) or postgres (fedreport's PostgreSQL store).")
        var datasource: DashboardDatasource = .prometheus

        @Option(help: "The distribution whose component map the panels follow.")
        var distribution = "ocp"

        @Option(help: "Write the JSON here instead of to stdout.")
        var output: String?

        func run() throws {
            try guarded {
                let context = try global.context()
                let configuration = context.configuration
                let resources = try context.resources()
                let definitions = DashboardDefinitions(
                    querySet: resources.querySet, maps: resources.maps, distribution: distribution,
                    clusterLabel: configuration.collect.clusterLabel, rateWindow: configuration.collect.rateWindow,
                    scrapeInterval: configuration.collect.scrapeInterval)
                let text = try GrafanaDashboard.text(try GrafanaDashboard.build(definitions, datasource: datasource))
                guard let output else {
                    print(text, terminator: "")
                    return .ok
                }
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    printError(
                        "error: Cannot write the dashboard to '\(output)' (\(error.localizedDescription)). Check the folder exists and is writable."
                    )
                    return .error
                }
                print(output)
                return .ok
            }
        }
    }
}
