import ArgumentParser
import FedCore
import FedRun

extension Fedreport {
    struct Trend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change points over the history of builds: where a component's CPU or memory moved to stay.",
            discussion: """
                For each component, category and the platform total, and for CPU and memory, takes \
                one value per build (the pooled mean, and the pooled p95 as a second line), in build \
                order, and finds the builds where a new level starts: E-divisive means with a \
                t-test, as Apache Otava (Hunter) does it (trend: in the configuration). Each change \
                point has an id; an entry of acks.yaml marks it acknowledged. With fewer than \
                trend.min_builds builds it says so and finds none. Writes the reports and prints \
                their paths.

                Examples:
                  fedreport trend --distribution ocp --builds 30
                  fedreport trend --component etcd --resource cpu --format json --output -
                  fedreport trend --baseline k3s --builds 30
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The distribution whose builds to follow.")
        var distribution = "ocp"

        @Option(help: "The last N builds (default: report.builds, 10).")
        var builds: Int?

        @Option(help: "Only this component (or category:<name>, or total).")
        var component: String?

        @Option(help: "Only cpu or memory.")
        var resource: Resource?

        @Option(
            help:
                "Baseline each build is held against: a distribution, optionally with a build, k3s or k3s@v1.26.5+k3s1 (default: report.baseline)."
        )
        var baseline: String?

        @OptionGroup var report: ReportOptions

        func validate() throws {
            if let builds, builds < 2 { throw ValidationError("--builds must be 2 or more.") }
            if report.failOn != nil || report.failOnRegression {
                throw ValidationError("trend never fails on what it finds: --fail-on works with compare, report and nightly.")
            }
        }

        func run() throws {
            try guarded {
                let context = try global.context()
                let configuration = context.configuration
                let settings = TrendRun.Settings(
                    distribution: distribution, builds: builds ?? configuration.report.builds,
                    baseline: baseline ?? configuration.report.baseline,
                    only: TrendRun.LineFilter(component: component, resource: resource), trend: report.trendOptions(configuration),
                    selection: report.selection.selection, output: try report.output(configuration))
                let printer = global.printer
                printer.written(try TrendRun.run(settings, in: context, reporter: printer).written)
                return .ok
            }
        }
    }
}

extension Resource: ExpressibleByArgument {}
