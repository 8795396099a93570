import ArgumentParser
import FedCore
import FedReports
import FedStoreCore
import Foundation

extension Fedreport {
    struct Trend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change points over the history of builds: where a component's CPU or memory moved to stay.",
            discussion: """
                For each component, category and the platform total, and for CPU and memory, takes \
                one value per build (the pooled mean, and the pooled p95 as a second line), in build \
                order, and finds the builds where a new level starts: E-divisive means with a \
                t-test, as Apache Otava (Hunter) does it (trend: in the configuration). Each change \
                point has an id; an entry of acks.yaml marks it acknowledged. With fewer than \
                trend.min_builds builds it says so and finds none. Writes the reports and prints \
                their paths.

                Examples:
                  fedreport trend --distribution ocp --builds 30
                  fedreport trend --component etcd --resource cpu --format json --output -
                  fedreport trend --baseline k3s --builds 30
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The distribution whose builds to follow.")
        var distribution = "ocp"

        @Option(help: "The last N builds (default: report.builds, 10).")
        var builds: Int?

        @Option(help: "Only this component (or category:<name>, or total).")
        var component: String?

        @Option(help: "Only cpu or memory.")
        var resource: Resource?

        @Option(
            help:
                "Baseline each build is held against: a distribution, optionally with a build, k3s or k3s@v1.26.5+k3s1 (default: report.baseline)."
        )
        var baseline: String?

        @OptionGroup var report: ReportOptions

        func validate() throws {
            if let builds, builds < 2 { throw ValidationError("--builds must be 2 or more.") }
        }

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let formats = try report.formats(configuration)
                let templates = try report.templateSet()
                let ackFile = try Acks.load(configuration: configuration, configPath: global.config)
                let store = try global.openStore(configuration, readOnly: true)
                func analyse(_ baseline: String?) throws -> TrendAnalysis {
                    try Reporter.trend(
                        store: store, distribution: distribution, builds: builds ?? configuration.report.builds, baseline: baseline,
                        selection: try report.selection(), options: report.trendOptions(configuration))
                }
                let baselineSpec = baseline ?? configuration.report.baseline
                var analysis: TrendAnalysis
                do {
                    analysis = try analyse(baselineSpec)
                } catch let error as CompareError where baselineSpec != nil {
                    // As the periodic report does: the trend is worth having without the baseline.
                    guard let without = try? analyse(nil) else { throw error }
                    printError("warning: \(describe(error)) The trend is written without a baseline.")
                    analysis = without
                }
                var acknowledger = Acks.acknowledger(ackFile)
                acknowledger.mark(&analysis)
                Acks.warnStale(acknowledger, file: ackFile)
                let all = analysis.lines
                analysis.lines = try all.filter(matches)
                analysis.ratioLines = try analysis.ratioLines.filter(matches)
                if analysis.lines.isEmpty, let component {
                    let known = Array(Set(all.filter { $0.level == .component }.map(\.name))).sorted()
                    throw ValidationError(
                        "--component \(component): no such component in these builds. Known: \(known.joined(separator: ", ")); "
                            + "or category:<name>, or total.")
                }
                if let message = analysis.notEnoughBuildsMessage { printError("note: \(message).") }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let baseName = ReportWriter.trendBaseName(distribution: distribution, newest: analysis.builds.last ?? "", at: now)
                let context = report.context(
                    formats: formats, configuration: configuration, baseName: baseName, at: now,
                    command: "fedreport trend --distribution \(distribution)")
                let files = try Reporter.render(analysis, formats: formats, templates: templates, context: context)
                try report.emit(files, configuration: configuration, baseName: baseName)
                let points = analysis.distinctChangePoints
                if !points.isEmpty { printError("\(points.count) change point(s) over \(analysis.builds.count) builds.") }
                return Exit.ok
            }
        }

        /// Whether the line passes --component and --resource; an unknown component is an error
        /// that lists the known ones.
        func matches(_ line: TrendLine) throws -> Bool {
            if let resource, line.resource != resource { return false }
            guard let component else { return true }
            if component == "total" { return line.level == .total }
            if component.hasPrefix("category:") {
                let name = String(component.dropFirst("category:".count))
                guard Category(rawValue: name) != nil else {
                    throw ValidationError(
                        "--component \(component): no such category. Known: \(Category.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return line.level == .category && line.category?.rawValue == name
            }
            return line.level == .component && line.name == component
        }
    }
}

extension Resource: ExpressibleByArgument {}
