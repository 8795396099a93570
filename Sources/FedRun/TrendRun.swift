import FedCore
import FedReports
import FedStoreCore
import Foundation

/// `trend`: change points over the last builds of a distribution, optionally narrowed to one
/// component (or category, or the total) and one resource.
package enum TrendRun {
    /// What to analyse and how.
    package struct Settings: Sendable {
        package var distribution: String
        package var builds: Int
        package var only: LineFilter
        package var trend: TrendOptions
        package var selection: SnapshotSelection
        package var output: ReportOutput

        package init(
            distribution: String, builds: Int, only: LineFilter = .init(), trend: TrendOptions, selection: SnapshotSelection = .init(),
            output: ReportOutput
        ) {
            self.distribution = distribution
            self.builds = builds
            self.only = only
            self.trend = trend
            self.selection = selection
            self.output = output
        }
    }

    /// `--component` and `--resource`: which lines of the analysis are kept.
    package struct LineFilter: Sendable, Equatable {
        /// A component's name, `category:<name>` or `total`; nil for every row.
        package var component: String?
        package var resource: Resource?

        package init(component: String? = nil, resource: Resource? = nil) {
            self.component = component
            self.resource = resource
        }

        /// The lines that pass. An unknown category, or a component that none of `lines` is of,
        /// is a usage error that lists the known ones.
        package func apply(_ lines: [TrendLine]) throws -> [TrendLine] {
            var category: Category?
            if let component, component.hasPrefix("category:") {
                let name = String(component.dropFirst("category:".count))
                guard let c = Category(rawValue: name) else {
                    throw UsageError(
                        "--component \(component): no such category. Known: \(Category.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                category = c
            }
            let kept = lines.filter { line in
                if let resource, line.resource != resource { return false }
                guard let component else { return true }
                if component == "total" { return line.level == .total }
                if let category { return line.level == .category && line.category == category }
                return line.level == .component && line.name == component
            }
            if kept.isEmpty, let component {
                let known = Array(Set(lines.filter { $0.level == .component }.map(\.name))).sorted()
                throw UsageError(
                    "--component \(component): no such component in these builds. Known: \(known.joined(separator: ", ")); "
                        + "or category:<name>, or total.")
            }
            return kept
        }
    }

    /// What a run made.
    package struct Summary: Sendable {
        package var analysis: TrendAnalysis
        package var written: WrittenReport
    }

    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        var acks = try AckUse(context, reporter: reporter)
        let store = try context.openStore(readOnly: true)
        var analysis = try Reporter.trend(
            store: store, distribution: settings.distribution, builds: settings.builds, selection: settings.selection,
            options: settings.trend)
        acks.acknowledger.mark(&analysis)
        acks.warnStale(reporter)
        analysis.lines = try settings.only.apply(analysis.lines)
        if let message = analysis.notEnoughBuildsMessage { reporter.say(.note, "\(message).") }
        reporter.say(.detail, Pooled.trend(analysis.options))
        let baseName = ReportWriter.trendBaseName(distribution: settings.distribution, newest: analysis.builds.last ?? "", at: context.now)
        let renderContext = settings.output.context(
            baseName: baseName, at: context.now, command: "fedreport trend --distribution \(settings.distribution)")
        let files = try Reporter.render(
            analysis, formats: settings.output.formats, templates: settings.output.templates, context: renderContext)
        let points = analysis.distinctChangePoints
        if !points.isEmpty { reporter.say(.info, "\(points.count) change point(s) over \(analysis.builds.count) builds.") }
        let written = try settings.output.emit(files, baseName: baseName)
        return Summary(analysis: analysis, written: written)
    }
}
