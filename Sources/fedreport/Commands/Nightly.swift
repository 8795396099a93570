import ArgumentParser
import FedCore
import FedRun

extension Fedreport {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "collect, then report: the whole nightly job in one command for cron.",
            discussion: """
                Runs `collect` for the window (default: the last collect.window), then `report` for \
                the distribution. A failed collect stops the job (exit 1); partial data is reported \
                and marked, and the job then exits 5 unless it fails on what it found (exit 3). \
                --fail-on says on what, as a comma-separated list: `change-point` (the default) \
                fails on a regression change point that the newest build brings (one that starts \
                at it, or that the builds before it did not show), `regression` on a regression of \
                the newest build against the one before it, `budget` on a budget the newest build \
                exceeds; `none` never. Entries of acks.yaml never fail the job. With --notify (or \
                report.notify), webhooks get a summary of what is new. The report's folder \
                is checked first: one that cannot be written fails the job before anything is collected.

                Example (crontab):
                  30 2 * * *  cd /var/lib/fedreport && fedreport nightly --baseline k3s --quiet >> nightly.log 2>&1
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var window: WindowOptions

        @OptionGroup var runOptions: RunOptions
        @OptionGroup var periodic: PeriodicOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                let context = try global.context {
                    window.apply(to: &$0)
                    runOptions.apply(to: &$0)
                }
                // --cluster narrows what is collected and what is reported alike.
                let collect = CollectRun.Settings(
                    grid: try window.grid(context.configuration), clusters: report.selection.clusters, wait: runOptions.wait)
                let reportSettings = try periodic.settings(report, configuration: context.configuration, failOn: .changePoint)
                let printer = global.printer
                let summary = try NightlyRun.run(collect: collect, report: reportSettings, in: context, reporter: printer)
                if let reported = summary.reported { printer.written(reported.written) }
                return summary.outcome
            }
        }
    }
}
