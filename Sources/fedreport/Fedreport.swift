import ArgumentParser
import CMalloc
import FedCore
import Foundation

@main
struct Fedreport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedreport",
        abstract: "Per-component CPU and memory of OpenShift builds, compared release by release and against a baseline.",
        discussion: """
            A nightly job on the hub: `collect` runs range queries against the Thanos querier and stores \
            a snapshot per cluster and build in SQLite or PostgreSQL; `compare` and `report` turn \
            snapshots into Markdown, HTML, CSV and JSON reports; `push` merges stores; `dashboard` \
            writes Grafana dashboards from the same definitions.

            Exit codes: 0 fine, 1 error, 2 usage, 3 regression or change point found (with \
            --fail-on-regression, or nightly's --fail-on), 4 a requested build has no snapshots, \
            5 collect stored partial data.
            """,
        version: fedreportVersion,
        subcommands: [
            Check.self, Query.self, Collect.self, Components.self, Builds.self, Snapshots.self, Compare.self, Report.self,
            Trend.self, Nightly.self, Push.self, Dashboard.self, Federation.self,
        ]
    )

    static func main() {
        // glibc gives every thread that allocates its own arena; collect's worker threads would
        // each keep freed series buffers around. Two arenas keep peak memory flat.
        _ = fed_limit_malloc_arenas(2)
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            // The argument parser exits 64 (EX_USAGE) for a wrong flag or argument; fedreport's
            // documented, stable code for that is 2.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Exit.usage)
            }
            exit(withError: error)
        }
    }
}
