import FedCore
import FedReports
import FedStoreCore
import Foundation

/// `compare`: B against A, or each of three or more builds against the one before it, and
/// against the baseline; acks.yaml marks what it acknowledges.
package enum CompareRun {
    /// What to compare and how.
    package struct Settings: Sendable {
        /// Oldest first; two or more.
        package var builds: [String]
        /// The distribution of the builds, when a name is stored for several.
        package var distribution: String?
        /// `<distribution>[@<build>]`, or nil for none.
        package var baseline: String?
        /// Divide the components that run on every node by each snapshot's node count.
        package var perNode: Bool
        package var compare: CompareOptions
        package var selection: SnapshotSelection
        package var output: ReportOutput
        /// What fails the run with exit 3: `regression` and `budget` (a comparison has no change points).
        package var failOn: FailOn

        package init(
            builds: [String], distribution: String? = nil, baseline: String? = nil, perNode: Bool = false,
            compare: CompareOptions = .init(), selection: SnapshotSelection = .init(), output: ReportOutput,
            failOn: FailOn = .none
        ) {
            self.builds = builds
            self.distribution = distribution
            self.baseline = baseline
            self.perNode = perNode
            self.compare = compare
            self.selection = selection
            self.output = output
            self.failOn = failOn
        }
    }

    /// The comparison made: of two builds, or of three or more.
    package enum Made: Sendable {
        case pair(Comparison)
        case several(MultiComparison)

        package var regressions: [ComparisonRow] {
            switch self {
            case .pair(let c): c.regressions
            case .several(let m): m.regressions
            }
        }

        package var unacknowledgedRegressions: [ComparisonRow] {
            switch self {
            case .pair(let c): c.unacknowledgedRegressions
            case .several(let m): m.unacknowledgedRegressions
            }
        }

        /// The budgets B (the last build) exceeds.
        package var exceededBudgets: [BudgetStatus] {
            switch self {
            case .pair(let c): c.exceededBudgets
            case .several(let m): m.exceededBudgets
            }
        }

        package var unacknowledgedExceededBudgets: [BudgetStatus] {
            switch self {
            case .pair(let c): c.unacknowledgedExceededBudgets
            case .several(let m): m.unacknowledgedExceededBudgets
            }
        }
    }

    /// What a run made.
    package struct Summary: Sendable {
        package var comparison: Made
        package var written: WrittenReport
        package var outcome: RunOutcome
    }

    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        guard settings.builds.count >= 2 else {
            throw UsageError("Give two builds or more, oldest first, e.g. `fedreport compare 4.6.1 4.6.8`.")
        }
        guard !settings.failOn.contains(.changePoint) else {
            throw UsageError("compare finds no change points (report and nightly do): --fail-on takes regression and budget here.")
        }
        var acks = try AckUse(context, reporter: reporter)
        let store = try context.openStore(readOnly: true)
        var options = settings.compare
        if settings.perNode {
            options.perNodeComponents = try context.resources().maps.values.reduce(into: Set<String>()) {
                $0.formUnion($1.perNodeComponents)
            }
        }
        let builds = settings.builds
        let baseName = ReportWriter.comparisonBaseName(builds: builds, at: context.now)
        let renderContext = settings.output.context(
            baseName: baseName, at: context.now,
            command: "fedreport compare \(builds.joined(separator: " "))" + (settings.baseline.map { " --baseline \($0)" } ?? ""))
        let made: Made
        let files: [(ReportFormat, String)]
        let output = settings.output
        if builds.count == 2 {
            var comparison = try Reporter.compare(
                store: store, a: builds[0], b: builds[1], distribution: settings.distribution, baseline: settings.baseline,
                selection: settings.selection, options: options)
            acks.acknowledger.mark(&comparison)
            files = try Reporter.render(comparison, formats: output.formats, templates: output.templates, context: renderContext)
            made = .pair(comparison)
            reporter.say(.detail, Pooled.thresholds(options))
            reporter.say(.detail, Pooled.line("A", comparison.a))
            reporter.say(.detail, Pooled.line("B", comparison.b))
            if let baseline = comparison.baseline { reporter.say(.detail, Pooled.line("baseline", baseline)) }
            for line in Findings.lines(comparison) { reporter.say(.info, line) }
        } else {
            var multi = try Reporter.compare(
                store: store, builds: builds, distribution: settings.distribution, baseline: settings.baseline,
                selection: settings.selection, options: options)
            acks.acknowledger.mark(&multi)
            files = try Reporter.render(multi, formats: output.formats, templates: output.templates, context: renderContext)
            made = .several(multi)
            reporter.say(.detail, Pooled.thresholds(options))
            for side in multi.builds { reporter.say(.detail, Pooled.line("build", side)) }
            if let baseline = multi.baseline { reporter.say(.detail, Pooled.line("baseline", baseline)) }
            for line in Findings.lines(multi) { reporter.say(.info, line) }
        }
        let total = made.regressions.count
        let unacknowledged = made.unacknowledgedRegressions.count
        let failsOnRegression = settings.failOn.contains(.regression) && unacknowledged > 0
        if total > 0 {
            let acknowledged = total - unacknowledged
            reporter.say(
                failsOnRegression ? .failure : .info,
                "\(total) regression(s) from \(builds.first!) to \(builds.last!)"
                    + acknowledgedEnding(acknowledged))
        }
        let exceeded = made.exceededBudgets.count
        let overBudget = made.unacknowledgedExceededBudgets.count
        let failsOnBudget = settings.failOn.contains(.budget) && overBudget > 0
        if exceeded > 0 {
            reporter.say(
                failsOnBudget ? .failure : .info,
                "\(exceeded) budget(s) exceeded by \(builds.last!)"
                    + acknowledgedEnding(exceeded - overBudget))
        }
        let fails = failsOnRegression || failsOnBudget
        acks.warnStale(reporter)
        let written = try output.emit(files, baseName: baseName)
        return Summary(comparison: made, written: written, outcome: fails ? .regression : .ok)
    }
}
