import ArgumentParser
import FedCore
import Foundation

extension Fedreport {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "collect, then report: the whole nightly job in one command for cron.",
            discussion: """
                Runs `collect` for the window (default: the last collect.window), then `report` for \
                the distribution. A failed collect stops the job (exit 1); partial data is reported \
                and marked, and the job then exits 5 unless a regression was found with \
                --fail-on-regression (exit 3).

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
                var configuration = try global.load()
                try window.apply(to: &configuration)
                try runOptions.apply(to: &configuration)
                // --cluster narrows what is collected and what is reported alike.
                let collected = try CollectJob(
                    configuration: configuration, global: global, clusters: report.clusters, wait: runOptions.wait
                )
                .run(grid: try window.grid(configuration))
                if collected == Exit.error { return collected }
                let reported = try PeriodicJob(configuration: configuration, report: report, periodic: periodic).run()
                if reported != Exit.ok { return reported }
                return collected
            }
        }
    }
}
