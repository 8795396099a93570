import ArgumentParser
import CMalloc
import FedCore
import FedRun
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
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(nil)
        } catch {
            exit(for: error, in: nil)
        }
        do {
            try command.run()
        } catch {
            exit(for: error, in: type(of: command))
        }
    }

    /// Ends the process for `error`: the one place that turns usage errors into exit code 2.
    ///
    /// The argument parser exits 64 (EX_USAGE) for a wrong flag, argument or value, and for a
    /// `ValidationError` from a `validate()`; fedreport's documented, stable code for every usage
    /// error is 2 (README, "Exit codes"), so the message and the usage are printed here and the
    /// process exits 2. A usage error found once the command runs (a value that does not fit the
    /// configuration or the store) comes as a `ValidationError` from `command`'s `run()`: it is
    /// shown with that subcommand's usage, as the parser shows its own, not the root's. Any other
    /// error exits as the argument parser says (an `ExitCode` with its code).
    static func exit(for error: any Error, in command: (any ParsableCommand.Type)?) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        var text = fullMessage(for: error)
        if let command, error is ValidationError {
            let name = "fedreport \(command._commandName)"
            text = "Error: \(message(for: error))\nUsage: \(usageString(for: command))\n  See '\(name) --help' for more information."
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        Foundation.exit(RunOutcome.usage.exitCode)
    }
}
