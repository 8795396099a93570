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

        @Flag(help: "Wait for a running collect to finish instead of exiting.")
        var wait = false

        @Option(help: "Give up on requests after this long, e.g. 4h (default: collect.deadline).")
        var deadline: String?

        @Option(help: "The distribution to report on.")
        var distribution = "ocp"

        @Option(help: "Builds in the trend (default: report.builds, 10).")
        var builds: Int?

        @Option(help: "Baseline distribution, optionally @build (default: report.baseline).")
        var baseline: String?

        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                var configuration = try global.load()
                try window.apply(to: &configuration)
                if let deadline { configuration.collect.deadline = try parseDurationOption(deadline, option: "--deadline") }
                // --cluster narrows what is collected and what is reported alike.
                let collected = try CollectJob(configuration: configuration, global: global, clusters: report.clusters, wait: wait)
                    .run(grid: try window.grid(configuration))
                if collected == Exit.error { return collected }
                let reported = try PeriodicJob(
                    configuration: configuration, report: report, distribution: distribution, builds: builds, baseline: baseline
                ).run()
                if reported != Exit.ok { return reported }
                return collected
            }
        }
    }
}
