import ArgumentParser
import FedCollect
import FedCore
import FedReports
import FedStoreCore
import Foundation

extension Fedreport {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare builds: B against A, or each of three or more builds against the one before it.",
            discussion: """
                Pools every snapshot of each build and compares B against A for every component, \
                category and the platform total, for CPU and memory, on mean, p95 and max. The \
                baseline (latest build of that distribution unless @version is given) is compared \
                at the category and total level. With three or more builds, the report has a column \
                per build, changes against the first and a verdict for each consecutive pair. \
                Regressions that acks.yaml acknowledges are marked and do not fail the run. Writes \
                the reports and prints their paths.

                Examples:
                  fedreport compare 4.6.1 4.6.8 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 4.7.0 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 --baseline k3s@v1.26.5+k3s1 --format json --output -
                  fedreport compare 4.6.1 4.6.8 --format jira --only-regressions --output -
                  fedreport compare 4.6.1 4.6.8 --fail-on-regression --threshold 10
                  fedreport compare 4.6.1 4.6.8 --distribution ocp     # when a name is stored for two distributions
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The builds, oldest first: A B compares B against A; with more, each against the one before it.")
        var builds: [String] = []

        @Option(help: "Baseline distribution, optionally with a build: k3s or k3s@v1.26.5+k3s1.")
        var baseline: String?

        @Option(help: "The distribution of the builds, when a build name is stored for several (e.g. ocp).")
        var distribution: String?

        @Flag(
            help:
                "Divide the components that run on every node (per_node: true in the component map: DaemonSets, host services) by each snapshot's node count."
        )
        var perNode = false

        @OptionGroup var report: ReportOptions

        func validate() throws {
            guard builds.count >= 2 else {
                throw ValidationError("Give two builds or more, oldest first, e.g. `fedreport compare 4.6.1 4.6.8`.")
            }
        }

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let formats = try report.formats(configuration)
                let templates = try report.templateSet()
                let ackFile = try Acks.load(configuration: configuration, configPath: global.config)
                var acknowledger = Acks.acknowledger(ackFile)
                let store = try global.openStore(configuration, readOnly: true)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let baseName = ReportWriter.comparisonBaseName(builds: builds, at: now)
                let context = report.context(
                    formats: formats, configuration: configuration, baseName: baseName, at: now,
                    command: "fedreport compare \(builds.joined(separator: " "))" + (baseline.map { " --baseline \($0)" } ?? ""))
                let files: [(ReportFormat, String)]
                let unacknowledged: Int
                var options = try report.options(configuration)
                if perNode {
                    let maps = try RunResources.load(configuration: configuration, environment: ProcessInfo.processInfo.environment).maps
                    options.perNodeComponents = maps.values.reduce(into: Set<String>()) { $0.formUnion($1.perNodeComponents) }
                }
                if builds.count == 2 {
                    var comparison = try Reporter.compare(
                        store: store, a: builds[0], b: builds[1], distribution: distribution, baseline: baseline,
                        selection: try report.selection(),
                        options: options)
                    acknowledger.mark(&comparison)
                    files = try Reporter.render(comparison, formats: formats, templates: templates, context: context)
                    unacknowledged = comparison.unacknowledgedRegressions.count
                    summarise(total: comparison.regressions.count, unacknowledged: unacknowledged)
                } else {
                    var multi = try Reporter.compare(
                        store: store, builds: builds, distribution: distribution, baseline: baseline,
                        selection: try report.selection(),
                        options: report.options(configuration))
                    acknowledger.mark(&multi)
                    files = try Reporter.render(multi, formats: formats, templates: templates, context: context)
                    unacknowledged = multi.unacknowledgedRegressions.count
                    summarise(total: multi.regressions.count, unacknowledged: unacknowledged)
                }
                Acks.warnStale(acknowledger, file: ackFile)
                try report.emit(files, configuration: configuration, baseName: baseName)
                return report.failOnRegression && unacknowledged > 0 ? Exit.regression : Exit.ok
            }
        }

        func summarise(total: Int, unacknowledged: Int) {
            guard total > 0 else { return }
            let acknowledged = total - unacknowledged
            printError(
                "\(total) regression(s) from \(builds.first!) to \(builds.last!)"
                    + (acknowledged > 0 ? ", \(acknowledged) of them acknowledged in acks.yaml." : "."))
        }
    }
}
