import ArgumentParser
import FedRun

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
                With budgets: in the configuration, the last build is held against them. --fail-on \
                regression,budget exits 3 on a regression or an exceeded budget; what acks.yaml \
                acknowledges is marked and does not fail the run. Writes the reports and prints \
                their paths.

                Examples:
                  fedreport compare 4.6.1 4.6.8 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 4.7.0 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 --baseline k3s@v1.26.5+k3s1 --format json --output -
                  fedreport compare 4.6.1 4.6.8 --format jira --only-regressions --output -
                  fedreport compare 4.6.1 4.6.8 --fail-on regression,budget --threshold 10
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
                let context = try global.context()
                let settings = CompareRun.Settings(
                    builds: builds, distribution: distribution, baseline: baseline, perNode: perNode,
                    compare: report.options(context.configuration), selection: report.selection.selection,
                    output: try report.output(context.configuration), failOn: report.failOn(otherwise: .none))
                let printer = global.printer
                let summary = try CompareRun.run(settings, in: context, reporter: printer)
                printer.written(summary.written)
                return summary.outcome
            }
        }
    }
}
