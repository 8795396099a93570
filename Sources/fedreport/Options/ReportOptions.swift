import ArgumentParser
import FedCore
import FedReports
import FedRun
import Foundation

/// Flags shared by `compare`, `report`, `trend` and `nightly`: formats, output, verdict
/// thresholds and which snapshots to read.
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

    @Option(
        help: ArgumentHelp(
            "What exits 3, comma-separated: regression, change-point (report, nightly), budget; or none.",
            discussion: "An entry of acks.yaml keeps what it acknowledges from failing the run.", valueName: "list"),
        transform: Read.failOn)
    var failOn: FailOn?

    @Flag(help: "The same as --fail-on regression (added to a --fail-on list).")
    var failOnRegression = false

    @Flag(help: "md, jira and json only: just the headline, the regressions and change points, and data quality (for a ticket).")
    var onlyRegressions = false

    @OptionGroup var selection: SelectionOptions

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

    /// --only-regressions cuts Markdown, Jira and JSON; HTML and CSV are always whole.
    func checkOnlyRegressions(_ formats: [ReportFormat]) throws {
        let whole = formats.filter { $0 == .html || $0 == .csv }
        guard onlyRegressions, !whole.isEmpty else { return }
        throw ValidationError(
            "--only-regressions works with md, jira and json, not \(whole.map(\.rawValue).joined(separator: " or ")): "
                + "add --format md,jira,json (or a subset).")
    }

    /// Where the report goes and how it is rendered: the flags, else `report:` of the configuration.
    func output(_ configuration: Configuration) throws -> ReportOutput {
        let formats = try format.map(parseFormats) ?? configuration.report.formats
        try checkOnlyRegressions(formats)
        let templateSet = try templates.map { try TemplateSet.load(folder: $0) } ?? TemplateSet.shipped()
        return ReportOutput(
            formats: formats, folder: output ?? configuration.report.output, templates: templateSet, onlyRegressions: onlyRegressions,
            baseURL: configuration.report.baseURL)
    }

    /// What fails the run: `--fail-on`, with `regression` added by `--fail-on-regression`, else
    /// `otherwise` (the command's default).
    func failOn(otherwise: FailOn) -> FailOn {
        guard failOn != nil || failOnRegression else { return otherwise }
        var reasons = failOn?.reasons ?? []
        if failOnRegression { reasons.insert(.regression) }
        return FailOn(reasons)
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

    /// The verdicts' thresholds: the flags, else `report:` of the configuration.
    func options(_ configuration: Configuration) -> CompareOptions {
        var options = CompareOptions(
            threshold: (threshold ?? configuration.report.threshold) / 100,
            minDeltaCPU: minDeltaCPU ?? configuration.report.minDeltaCPU,
            minDeltaMemory: minDeltaMemory ?? configuration.report.minDeltaMemory)
        options.budgets = configuration.budgets
        return options
    }
}
