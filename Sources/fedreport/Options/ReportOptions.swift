import ArgumentParser
import FedCore
import FedReports
import Foundation

/// Flags shared by `compare`, `report` and `nightly`: formats, output and verdict thresholds.
struct ReportOptions: ParsableArguments {
    @Option(help: "Formats, comma-separated: md, html, csv, json, jira (default: report.formats).")
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

    @Flag(help: "Exit with code 3 when a regression that acks.yaml does not acknowledge is found.")
    var failOnRegression = false

    @Flag(help: "md, jira and json only: just the headline, the regressions and change points, and data quality (for a ticket).")
    var onlyRegressions = false

    @Option(name: .customLong("cluster"), help: "Only snapshots of this cluster (repeatable).")
    var clusters: [String] = []

    @Option(help: "Only snapshots ending at or after this time (RFC 3339, a date, Unix seconds, now or now-6h).")
    var since: String?

    @Option(help: "Only snapshots starting at or before this time (RFC 3339, a date, Unix seconds, now or now-6h).")
    var until: String?

    func validate() throws {
        if let format { try checkOnlyRegressions(try parseFormats(format)) }
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
        let formats = try format.map(parseFormats) ?? configuration.report.formats
        try checkOnlyRegressions(formats)
        return formats
    }

    /// --only-regressions cuts Markdown, Jira and JSON; HTML and CSV are always whole.
    func checkOnlyRegressions(_ formats: [ReportFormat]) throws {
        let whole = formats.filter { $0 == .html || $0 == .csv }
        guard onlyRegressions, !whole.isEmpty else { return }
        throw ValidationError(
            "--only-regressions works with md, jira and json, not \(whole.map(\.rawValue).joined(separator: " or ")): "
                + "add --format md,jira,json (or a subset).")
    }

    /// Change-point settings: `trend:` of the configuration, with the verdict threshold.
    func trendOptions(_ configuration: Configuration) -> TrendOptions {
        let t = configuration.trend
        var options = TrendOptions(
            pMax: t.pMax, window: t.window, minBuilds: t.minBuilds, minSegment: t.minSegment,
            threshold: options(configuration).threshold)
        options.budgets = configuration.budgets
        return options
    }

    /// The facts of one rendering: the time, --only-regressions, and where the whole report is
    /// for a Jira text that had to be cut: the HTML (else Markdown) file this run writes, else
    /// `command` with --format html.
    func context(
        formats: [ReportFormat], configuration: Configuration, baseName: String, at now: TimestampMs, command: String
    ) -> RenderContext {
        let folder = output ?? configuration.report.output
        var full = "\(command) --format html"
        if folder != "-", let whole = [ReportFormat.html, .md].first(where: formats.contains), !onlyRegressions || whole == .html {
            full = (folder as NSString).appendingPathComponent("\(baseName).\(whole.fileExtension)")
        }
        return RenderContext(generatedAt: now, onlyRegressions: onlyRegressions, fullReport: full)
    }

    func options(_ configuration: Configuration) -> CompareOptions {
        var options = CompareOptions(
            threshold: (threshold ?? configuration.report.threshold) / 100,
            minDeltaCPU: minDeltaCPU ?? configuration.report.minDeltaCPU,
            minDeltaMemory: minDeltaMemory ?? configuration.report.minDeltaMemory)
        options.budgets = configuration.budgets
        return options
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
