import ArgumentParser
import FedCore
import FedReports
import FedStore
import Foundation

/// Flags shared by `compare`, `report` and `nightly`: formats, output and verdict thresholds.
struct ReportOptions: ParsableArguments {
    @Option(help: "Formats, comma-separated: md, html, csv, json (default: report.formats).")
    var format: String?

    @Option(help: "Folder for the reports, or - for stdout with one format (default: report.output).")
    var output: String?

    @Option(help: "Folder of Mustache templates overriding the shipped templates/.")
    var templates: String?

    @Option(help: "Relative change, in percent, a verdict needs (default: report.threshold, 5).")
    var threshold: Double?

    @Option(name: .customLong("min-delta-cpu"), help: "Absolute CPU change, in cores, a verdict needs (default 0.005).")
    var minDeltaCPU: Double?

    @Option(name: .customLong("min-delta-memory"), help: "Absolute memory change, in bytes, a verdict needs (default 10 MiB).")
    var minDeltaMemory: Double?

    @Flag(help: "Exit with code 3 when a regression is found.")
    var failOnRegression = false

    @Option(name: .customLong("cluster"), help: "Only snapshots of this cluster (repeatable).")
    var clusters: [String] = []

    @Option(help: "Only snapshots ending at or after this time (RFC 3339 or Unix seconds).")
    var since: String?

    @Option(help: "Only snapshots starting at or before this time (RFC 3339 or Unix seconds).")
    var until: String?

    func validate() throws {
        if let format { _ = try parseFormats(format) }
        if let threshold, threshold < 0 { throw ValidationError("--threshold must be 0 or more (percent).") }
        if output == "-", let format, format.split(separator: ",").count != 1 {
            throw ValidationError("--output - writes to stdout and takes exactly one --format, e.g. --format json.")
        }
    }

    func parseFormats(_ text: String) throws -> [ReportFormat] {
        do {
            return try ReportFormat.parseList(text)
        } catch {
            throw ValidationError(describe(error))
        }
    }

    func formats(_ configuration: Configuration) throws -> [ReportFormat] {
        try parseFormats(format ?? configuration.report.formats.joined(separator: ","))
    }

    func options(_ configuration: Configuration) -> CompareOptions {
        CompareOptions(
            threshold: (threshold ?? configuration.report.threshold) / 100,
            minDeltaCPU: minDeltaCPU ?? configuration.report.minDeltaCPU,
            minDeltaMemory: minDeltaMemory ?? configuration.report.minDeltaMemory)
    }

    func selection() throws -> SnapshotSelection {
        SnapshotSelection(
            clusters: clusters, since: try since.map { try parseTime($0, option: "--since") },
            until: try until.map { try parseTime($0, option: "--until") })
    }

    func templateSet() throws -> TemplateSet {
        if let templates { return try TemplateSet.load(folder: templates) }
        return try TemplateSet.shipped()
    }

    /// Renders and writes (or prints) the files; returns the paths written.
    func emit(_ files: [(ReportFormat, String)], configuration: Configuration, baseName: String) throws {
        let folder = output ?? configuration.report.output
        if folder == "-" {
            guard files.count == 1 else {
                throw ValidationError("--output - writes to stdout and takes exactly one --format, e.g. --format json.")
            }
            print(files[0].1, terminator: files[0].1.hasSuffix("\n") ? "" : "\n")
            return
        }
        for path in try ReportWriter.write(files, folder: folder, baseName: baseName) { print(path) }
    }
}

/// The exit code of a comparison error: 4 when a requested build or baseline has no snapshots.
func reportExit(_ error: any Error) -> Int32? {
    guard let e = error as? CompareError else { return nil }
    switch e {
    case .unknownBuild, .noSnapshots, .unknownBaselineBuild, .unknownDistribution: return Exit.noSnapshots
    default: return nil
    }
}

extension Fedreport {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare build B against build A, and against a baseline distribution.",
            discussion: """
                Pools every snapshot of each build and compares B against A for every component, \
                category and the platform total, for CPU and memory, on mean, p95 and max. The \
                baseline (latest build of that distribution unless @version is given) is compared \
                at the category and total level. Writes the reports and prints their paths.

                Examples:
                  fedreport compare 4.6.1 4.6.8 --baseline k3s
                  fedreport compare 4.6.1 4.6.8 --baseline k3s@v1.26.5+k3s1 --format json --output -
                  fedreport compare 4.6.1 4.6.8 --fail-on-regression --threshold 10
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The build compared against (A).")
        var buildA: String

        @Argument(help: "The build compared (B).")
        var buildB: String

        @Option(help: "Baseline distribution, optionally with a build: k3s or k3s@v1.26.5+k3s1.")
        var baseline: String?

        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let formats = try report.formats(configuration)
                let templates = try report.templateSet()
                let store = try SnapshotStore(path: configuration.database, readOnly: true)
                let comparison = try Reporter.compare(
                    store: store, a: buildA, b: buildB, baseline: baseline, selection: try report.selection(),
                    options: report.options(configuration))
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let files = try Reporter.render(
                    comparison, formats: formats, templates: templates, context: RenderContext(generatedAt: now))
                try report.emit(
                    files, configuration: configuration, baseName: ReportWriter.comparisonBaseName(a: buildA, b: buildB, at: now))
                if comparison.hasRegression {
                    printError("\(comparison.regressions.count) regression(s) from \(buildA) to \(buildB).")
                    if report.failOnRegression { return Exit.regression }
                }
                return Exit.ok
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The periodic report: the newest build against the one before, the baseline and the trend.",
            discussion: """
                Compares the newest build of a distribution (version order) with the build before it \
                and with the baseline, adds a trend per component and category over the last N builds \
                and a data-quality section. Writes the reports and prints their paths.

                Examples:
                  fedreport report --distribution ocp --baseline k3s
                  fedreport report --builds 20 --format html --output /var/www/fedreport
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var periodic: PeriodicOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            try guarded {
                try PeriodicJob(configuration: try global.load(), report: report, periodic: periodic).run()
            }
        }
    }
}

/// What the periodic report covers, shared by `report` and `nightly`.
struct PeriodicOptions: ParsableArguments {
    @Option(help: "The distribution to report on.")
    var distribution = "ocp"

    @Option(help: "Builds in the trend (default: report.builds, 10).")
    var builds: Int?

    @Option(help: "Baseline distribution, optionally @build (default: report.baseline).")
    var baseline: String?
}

/// The report step, shared by `report` and `nightly`.
struct PeriodicJob {
    var configuration: Configuration
    var report: ReportOptions
    var periodic: PeriodicOptions

    func run() throws -> Int32 {
        let formats = try report.formats(configuration)
        let templates = try report.templateSet()
        let store = try SnapshotStore(path: configuration.database, readOnly: true)
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
