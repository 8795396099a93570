import ArgumentParser
import FedCore
import FedReports
import FedStore
import Foundation

extension Fedreport {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare build B against build A, and against a baseline distribution.",
            discussion: """
                Pools every snapshot of each build and compares B against A for every component, \
                category and the platform total, for CPU and memory, on mean, p95 and max. The \
                baseline (latest build of that distribution unless @version is given) is compared \
                at the category and total level. Writes the reports and prints their paths.

                Examples:
                  fedreport compare 4.6.1 4.6.8 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 --baseline k3s@v1.26.5+k3s1 --format json --output -
                  fedreport compare 4.6.1 4.6.8 --fail-on-regression --threshold 10
                  fedreport compare 4.6.1 4.6.8 --distribution ocp     # when a name is stored for two distributions
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The build compared against (A).")
        var buildA: String

        @Argument(help: "The build compared (B).")
        var buildB: String

        @Option(help: "Baseline distribution, optionally with a build: k3s or k3s@v1.26.5+k3s1.")
        var baseline: String?

        @Option(help: "The distribution of A and B, when a build name is stored for several (e.g. ocp).")
        var distribution: String?

        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let formats = try report.formats(configuration)
                let templates = try report.templateSet()
                let store = try SnapshotStore(path: configuration.database, readOnly: true)
                let comparison = try Reporter.compare(
                    store: store, a: buildA, b: buildB, distribution: distribution, baseline: baseline,
                    selection: try report.selection(),
                    options: report.options(configuration))
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let files = try Reporter.render(
                    comparison, formats: formats, templates: templates, context: RenderContext(generatedAt: now))
                try report.emit(
                    files, configuration: configuration, baseName: ReportWriter.comparisonBaseName(a: buildA, b: buildB, at: now))
                if comparison.hasRegression {
                    printError("\(comparison.regressions.count) regression(s) from \(buildA) to \(buildB).")
                    if report.failOnRegression { return Exit.regression }
                }
                return Exit.ok
            }
        }
    }
}
