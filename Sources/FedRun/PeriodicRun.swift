import FedCore
import FedReports
import FedStoreCore
import Foundation

/// `report`, and the second step of `nightly`: the newest build of a distribution against the
/// one before it and the baseline, with the trend and its change points over the last builds.
///
/// The policies of a run:
/// - A baseline that is not stored (or has no snapshot passing `--since`/`--until`) does not sink
///   the report: when the report can be made without it, it is, with a warning.
/// - Entries of acks.yaml mark regressions and change points acknowledged; entries that matched
///   nothing are warned about as stale.
/// - What fails the run (`regression`, exit 3) is `failOn`: any of an unacknowledged regression of
///   the newest build, an unacknowledged regression change point the newest build brings, and an
///   unacknowledged budget the newest build exceeds.
/// - When `notify` names webhooks and the report found something new and unacknowledged, each gets
///   a ``NotificationSummary``; a notification that fails is a warning, never a failed run.
///
/// A run is three steps, each usable alone: ``build(_:store:acks:reporter:)`` makes the
/// report model, ``ReportOutput`` renders and writes it, ``verdict(_:failOn:reporter:)`` says
/// what was found and gives the outcome.
package enum PeriodicRun {
    /// What to report on and how.
    package struct Settings: Sendable {
        package var distribution: String
        /// How many builds the trend covers (the newest last).
        package var builds: Int
        /// `<distribution>[@<build>]`, or nil for none.
        package var baseline: String?
        package var compare: CompareOptions
        package var trend: TrendOptions
        package var selection: SnapshotSelection
        package var output: ReportOutput
        package var failOn: FailOn
        /// Webhooks told about new findings (`--notify`, `report.notify`).
        package var notify: [String]

        package init(
            distribution: String, builds: Int, baseline: String?, compare: CompareOptions, trend: TrendOptions,
            selection: SnapshotSelection = .init(), output: ReportOutput, failOn: FailOn, notify: [String] = []
        ) {
            self.distribution = distribution
            self.builds = builds
            self.baseline = baseline
            self.compare = compare
            self.trend = trend
            self.selection = selection
            self.output = output
            self.failOn = failOn
            self.notify = notify
        }
    }

    /// What a run made.
    package struct Summary: Sendable {
        /// The report, acknowledgements marked.
        package var report: PeriodicReport
        /// The files written, or the text for stdout.
        package var written: WrittenReport
        package var outcome: RunOutcome
    }

    /// Builds, renders and writes the report, then says what it found.
    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        var acks = try AckUse(context, reporter: reporter)
        let store = try context.openStore(readOnly: true)
        let report = try build(settings, store: store, acks: &acks, reporter: reporter)
        let baseName = ReportWriter.periodicBaseName(distribution: settings.distribution, newest: report.newest, at: context.now)
        let renderContext = settings.output.context(
            baseName: baseName, at: context.now, command: "fedreport report --distribution \(settings.distribution)")
        let files = try Reporter.render(
            report, formats: settings.output.formats, templates: settings.output.templates, context: renderContext)
        let outcome = verdict(report, failOn: settings.failOn, reporter: reporter)
        let written = try settings.output.emit(files, baseName: baseName)
        if !settings.notify.isEmpty {
            Notifying.send(
                NotificationSummary(
                    distribution: settings.distribution, build: report.newest, report: renderContext.fullReport ?? baseName,
                    findings: newFindings(report)),
                to: settings.notify, context: context, reporter: reporter)
        }
        return Summary(report: report, written: written, outcome: outcome)
    }

    /// The report model of `settings` from `store`: falls back to no baseline when the baseline
    /// alone was the problem, marks what `acks` acknowledges and warns about its stale entries.
    package static func build(
        _ settings: Settings, store: any SnapshotStoring, acks: inout AckUse, reporter: any RunReporter
    ) throws -> PeriodicReport {
        func make(_ baseline: String?) throws -> PeriodicReport {
            try Reporter.periodic(
                store: store, distribution: settings.distribution, builds: settings.builds, baseline: baseline,
                options: settings.compare, selection: settings.selection, trendOptions: settings.trend)
        }
        var report: PeriodicReport
        do {
            report = try make(settings.baseline)
        } catch let error as CompareError where settings.baseline != nil {
            // When the report works without the baseline, the baseline was the problem (no
            // such distribution, or no snapshot passing --since/--until): the nightly report
            // is still worth having, so say so and go on.
            guard let without = try? make(nil) else { throw error }
            reporter.say(.warning, "\(describe(error)) The report is written without a baseline.")
            report = without
        }
        if report.comparison != nil { acks.acknowledger.mark(&report.comparison!) }
        acks.acknowledger.mark(&report.changes)
        acks.warnStale(reporter)
        if let message = report.changes.notEnoughBuildsMessage { reporter.say(.note, "\(message).") }
        reporter.say(.detail, Pooled.thresholds(settings.compare))
        reporter.say(.detail, Pooled.trend(report.changes.options))
        if let c = report.comparison {
            reporter.say(.detail, Pooled.line("A", c.a))
            reporter.say(.detail, Pooled.line("B", c.b))
        }
        for build in report.builds where report.comparison.map({ ![$0.a.build, $0.b.build].contains(build) }) ?? true {
            let ids = report.provenance.filter { $0.side == "trend" && $0.build == build }.map { "#\($0.snapshotID)" }
            reporter.say(.detail, "trend \(build): snapshots \(ids.joined(separator: ", "))")
        }
        if let baseline = report.comparison?.baseline ?? report.baseline { reporter.say(.detail, Pooled.line("baseline", baseline)) }
        return report
    }

    /// Says what `report` found (one line per regression, change point and exceeded budget, then
    /// the counts) and gives the outcome `failOn` asks for.
    package static func verdict(_ report: PeriodicReport, failOn: FailOn, reporter: any RunReporter) -> RunOutcome {
        for line in Findings.lines(report) { reporter.say(.info, line) }
        var failed = false
        if let comparison = report.comparison, comparison.hasRegression {
            let acknowledged = comparison.regressions.count - comparison.unacknowledgedRegressions.count
            let fails = failOn.contains(.regression) && !comparison.unacknowledgedRegressions.isEmpty
            reporter.say(
                fails ? .failure : .info,
                "\(comparison.regressions.count) regression(s) in \(report.newest)"
                    + acknowledgedEnding(acknowledged))
            if fails { failed = true }
        }
        let points = report.changes.distinctChangePoints
        if !points.isEmpty {
            let acknowledged = points.filter { $0.acknowledgement != nil }.count
            reporter.say(
                .info,
                "\(points.count) change point(s) over \(report.builds.count) builds"
                    + acknowledgedEnding(acknowledged))
        }
        if failOn.contains(.changePoint) {
            let new = report.changePointsOfNewestBuild
            for c in new {
                reporter.say(
                    .failure,
                    "\(c.label): \(c.name) \(c.resource.rawValue) \(Units.deltaPct(c.changePct)) from \(c.fromText), shown by \(report.newest)."
                )
            }
            if !new.isEmpty { failed = true }
        }
        let exceeded = report.exceededBudgets
        if !exceeded.isEmpty {
            let unacknowledged = report.unacknowledgedExceededBudgets.count
            let fails = failOn.contains(.budget) && unacknowledged > 0
            reporter.say(
                fails ? .failure : .info,
                "\(exceeded.count) budget(s) exceeded by \(report.newest)"
                    + acknowledgedEnding(exceeded.count - unacknowledged))
            if fails { failed = true }
        }
        return failed ? .regression : .ok
    }

    /// What a notification tells about `report`, none of it acknowledged: the newest build's
    /// regressions, the change points it brings, and the budgets it exceeds that the build
    /// before it did not (a budget exceeded night after night is told once, when it starts).
    package static func newFindings(_ report: PeriodicReport) -> [NotificationSummary.Finding] {
        let before = Set(
            report.changes.budgets.compactMap { trend -> String? in
                let s = trend.statuses
                return s.count >= 2 && s[s.count - 2].isExceeded ? s[s.count - 1].id : nil
            })
        return report.findings.filter { $0.kind != .budget || !before.contains($0.id) }
    }
}
