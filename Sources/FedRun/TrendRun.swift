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
        /// `<distribution>[@<build>]` each build is held against, or nil for none.
        package var baseline: String?
        package var only: LineFilter
        package var trend: TrendOptions
        package var selection: SnapshotSelection
        package var output: ReportOutput

        package init(
            distribution: String, builds: Int, baseline: String? = nil, only: LineFilter = .init(), trend: TrendOptions,
            selection: SnapshotSelection = .init(), output: ReportOutput
        ) {
            self.distribution = distribution
            self.builds = builds
            self.baseline = baseline
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
            if let component, component.hasPrefix("category:"), Category(rawValue: String(component.dropFirst("category:".count))) == nil {
                throw UsageError(
                    "--component \(component): no such category. Known: \(Category.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let kept = lines.filter { keeps($0) }
            if kept.isEmpty, let component {
                let known = Array(Set(lines.filter { $0.level == .component }.map(\.name))).sorted()
                throw UsageError(
                    "--component \(component): no such component in these builds. Known: \(known.joined(separator: ", ")); "
                        + "or category:<name>, or total.")
            }
            return kept
        }

        /// Whether `line` passes.
        package func keeps(_ line: TrendLine) -> Bool {
            if let resource, line.resource != resource { return false }
            guard let component else { return true }
            if component == "total" { return line.level == .total }
            if component.hasPrefix("category:") {
                return line.level == .category && line.category?.rawValue == component.dropFirst("category:".count).description
            }
            return line.level == .component && line.name == component
        }
    }

    /// What a run made.
    package struct Summary: Sendable {
        package var analysis: TrendAnalysis
        package var written: WrittenReport
    }

    /// Analyses, renders and writes the trend. A baseline that cannot be loaded does not sink it,
    /// as in the periodic report: the trend is written without the baseline, with a warning.
    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        var acks = try AckUse(context, reporter: reporter)
        let store = try context.openStore(readOnly: true)
        func analyse(_ baseline: String?) throws -> TrendAnalysis {
            try Reporter.trend(
                store: store, distribution: settings.distribution, builds: settings.builds, baseline: baseline,
                selection: settings.selection, options: settings.trend)
        }
        var analysis: TrendAnalysis
        do {
            analysis = try analyse(settings.baseline)
        } catch let error as CompareError where settings.baseline != nil {
            guard let without = try? analyse(nil) else { throw error }
            reporter.say(.warning, "\(describe(error)) The trend is written without a baseline.")
            analysis = without
        }
        acks.acknowledger.mark(&analysis)
        acks.warnStale(reporter)
        analysis.lines = try settings.only.apply(analysis.lines)
        analysis.ratioLines = analysis.ratioLines.filter { settings.only.keeps($0) }
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
