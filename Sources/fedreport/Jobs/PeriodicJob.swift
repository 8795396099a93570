import FedCore
import FedReports
import FedStore
import FedStorePostgres
import Foundation

/// The report step, shared by `report` and `nightly`.
struct PeriodicJob {
    var configuration: Configuration
    var report: ReportOptions
    var periodic: PeriodicOptions

    func run() throws -> Int32 {
        let formats = try report.formats(configuration)
        let templates = try report.templateSet()
        let store = try Stores.open(configuration.database, readOnly: true, passwordFile: configuration.databasePasswordFile)
        let periodic: PeriodicReport
        let distribution = self.periodic.distribution
        let baselineSpec = self.periodic.baseline ?? configuration.report.baseline
        func build(_ baseline: String?) throws -> PeriodicReport {
            try Reporter.periodic(
                store: store, distribution: distribution, builds: self.periodic.builds ?? configuration.report.builds,
                baseline: baseline,
                options: report.options(configuration), selection: try report.selection())
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
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let files = try Reporter.render(periodic, formats: formats, templates: templates, context: RenderContext(generatedAt: now))
        try report.emit(
            files, configuration: configuration,
            baseName: ReportWriter.periodicBaseName(distribution: distribution, newest: periodic.newest, at: now))
        if let comparison = periodic.comparison, comparison.hasRegression {
            printError("\(comparison.regressions.count) regression(s) in \(periodic.newest).")
            if report.failOnRegression { return Exit.regression }
        }
        return Exit.ok
    }
}
