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
                regressions, change points and exceeded budgets acknowledged. Writes the reports and \
                prints their paths. With --notify (or report.notify), webhooks get a summary of what \
                is new: the newest build's regressions, the change points it brings and the budgets \
                it starts to exceed; a notification that fails is a warning. --fail-on says what \
                exits 3 (nothing by default).

                Examples:
                  fedreport report --distribution ocp --baseline k3s
                  fedreport report --builds 20 --format html --output /var/www/fedreport
                  fedreport report --baseline k3s --fail-on regression,budget --notify https://hooks.slack.com/services/…
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var periodic: PeriodicOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                let context = try global.context()
                let settings = try periodic.settings(report, configuration: context.configuration, failOn: .none)
                let printer = global.printer
                let summary = try PeriodicRun.run(settings, in: context, reporter: printer)
                printer.written(summary.written)
                return summary.outcome
            }
        }
    }
}
