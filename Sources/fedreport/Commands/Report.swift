import ArgumentParser
import FedRun

extension Fedreport {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The periodic report: the newest build against the one before, the baseline and the trend.",
            discussion: """
                Compares the newest build of a distribution (version order) with the build before it \
                and with the baseline, adds a trend per component and category over the last N builds \
                with its change points, and a data-quality section. Entries of acks.yaml mark \
                regressions and change points acknowledged. Writes the reports and prints their paths.

                Examples:
                  fedreport report --distribution ocp --baseline k3s
                  fedreport report --builds 20 --format html --output /var/www/fedreport
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var periodic: PeriodicOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                let context = try global.context()
                let settings = try periodic.settings(
                    report, configuration: context.configuration, failOn: report.failOnRegression ? .regression : .none)
                let printer = global.printer
                let summary = try PeriodicRun.run(settings, in: context, reporter: printer)
                printer.written(summary.written)
                return summary.outcome
            }
        }
    }
}
