import FedCore

/// `nightly`: `collect`, then `report`, for cron.
///
/// The report's folder is checked before anything is collected: a job that could not write its
/// report fails at once (exit 1), with the database untouched. A failed collect stops the job
/// (exit 1); otherwise the report runs, and the job ends with the report's outcome when that
/// fails (exit 3), else with the collect's (exit 5 for partial data).
package enum NightlyRun {
    /// What a run did: the collect, and the report when it got that far.
    package struct Summary: Sendable {
        package var collected: CollectRun.Summary
        package var reported: PeriodicRun.Summary?
        package var outcome: RunOutcome
    }

    package static func run(
        collect: CollectRun.Settings, report: PeriodicRun.Settings, in context: RunContext, reporter: any RunReporter
    ) throws -> Summary {
        try report.output.checkWritable()
        let collected = try CollectRun.run(collect, in: context, reporter: reporter)
        guard collected.outcome != .error else { return Summary(collected: collected, reported: nil, outcome: .error) }
        let reported = try PeriodicRun.run(report, in: context, reporter: reporter)
        return Summary(collected: collected, reported: reported, outcome: reported.outcome != .ok ? reported.outcome : collected.outcome)
    }
}
