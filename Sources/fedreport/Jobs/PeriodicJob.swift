import ArgumentParser
import FedCore
import FedReports
import FedStoreCore
import Foundation

/// What fails a periodic report (exit 3).
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    /// A regression of the newest build against the one before it that acks.yaml does not acknowledge.
    case regression
    /// A regression change point that the newest build brings and acks.yaml does not acknowledge.
    case changePoint = "change-point"
    case none
}

/// The report step, shared by `report` and `nightly`.
struct PeriodicJob {
    var configuration: Configuration
    var global: GlobalOptions
    var report: ReportOptions
    var periodic: PeriodicOptions
    var failOn: FailOn

    func run() throws -> Int32 {
        let formats = try report.formats(configuration)
        let templates = try report.templateSet()
        let ackFile = try Acks.load(configuration: configuration, configPath: global.config)
        let store = try global.openStore(configuration, readOnly: true)
        var periodic: PeriodicReport
        let distribution = self.periodic.distribution
        let baselineSpec = self.periodic.baseline ?? configuration.report.baseline
        func build(_ baseline: String?) throws -> PeriodicReport {
            try Reporter.periodic(
                store: store, distribution: distribution, builds: self.periodic.builds ?? configuration.report.builds,
                baseline: baseline, options: report.options(configuration), selection: try report.selection(),
                trendOptions: report.trendOptions(configuration))
        }
        do {
            periodic = try build(baselineSpec)
        } catch let error as CompareError where baselineSpec != nil {
            // When the report works without the baseline, the baseline was the problem (no
            // such distribution, or no snapshot passing --since/--until): the nightly report
            // is still worth having, so say so and go on.
            guard let without = try? build(nil) else { throw error }
            printError("warning: \(describe(error)) The report is written without a baseline.")
            periodic = without
        }
        var acknowledger = Acks.acknowledger(ackFile)
        if periodic.comparison != nil { acknowledger.mark(&periodic.comparison!) }
        acknowledger.mark(&periodic.changes)
        Acks.warnStale(acknowledger, file: ackFile)
        if let message = periodic.changes.notEnoughBuildsMessage { printError("note: \(message).") }

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let baseName = ReportWriter.periodicBaseName(distribution: distribution, newest: periodic.newest, at: now)
        let context = report.context(
            formats: formats, configuration: configuration, baseName: baseName, at: now,
            command: "fedreport report --distribution \(distribution)")
        let files = try Reporter.render(periodic, formats: formats, templates: templates, context: context)
        try report.emit(files, configuration: configuration, baseName: baseName)
        return verdict(periodic)
    }

    /// Says what was found on stderr and gives the exit code `failOn` asks for.
    func verdict(_ periodic: PeriodicReport) -> Int32 {
        var failed = false
        if let comparison = periodic.comparison, comparison.hasRegression {
            let acknowledged = comparison.regressions.count - comparison.unacknowledgedRegressions.count
            printError(
                "\(comparison.regressions.count) regression(s) in \(periodic.newest)"
                    + (acknowledged > 0 ? ", \(acknowledged) of them acknowledged in acks.yaml." : "."))
            if failOn == .regression && !comparison.unacknowledgedRegressions.isEmpty { failed = true }
        }
        let points = periodic.changes.distinctChangePoints
        if !points.isEmpty {
            let acknowledged = points.filter { $0.acknowledgement != nil }.count
            printError(
                "\(points.count) change point(s) over \(periodic.builds.count) builds"
                    + (acknowledged > 0 ? ", \(acknowledged) of them acknowledged in acks.yaml." : "."))
        }
        if failOn == .changePoint {
            let new = periodic.changePointsOfNewestBuild
            for c in new {
                printError(
                    "change point \(c.id): \(c.name) \(c.resource.rawValue) \(Units.deltaPct(c.changePct)) from \(c.build), shown by \(periodic.newest)."
                )
            }
            if !new.isEmpty { failed = true }
        }
        return failed ? Exit.regression : Exit.ok
    }
}
