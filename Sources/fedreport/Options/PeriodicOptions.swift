import ArgumentParser
import FedCore
import FedRun

/// What the periodic report covers, shared by `report` and `nightly`.
struct PeriodicOptions: ParsableArguments {
    @Option(help: "The distribution to report on.")
    var distribution = "ocp"

    @Option(help: "Builds in the trend (default: report.builds, 10).")
    var builds: Int?

    @Option(help: "Baseline distribution, optionally @build (default: report.baseline).")
    var baseline: String?

    @Option(
        help: ArgumentHelp(
            "POST a summary of new findings to this webhook (repeatable; default: report.notify).", valueName: "url"),
        transform: Read.webhook)
    var notify: [String] = []

    /// The settings of the report run: these flags and `report` over the configuration; the run
    /// fails on what `--fail-on` says, else on `failOn`.
    func settings(_ report: ReportOptions, configuration: Configuration, failOn: FailOn) throws -> PeriodicRun.Settings {
        PeriodicRun.Settings(
            distribution: distribution, builds: builds ?? configuration.report.builds, baseline: baseline ?? configuration.report.baseline,
            compare: report.options(configuration), trend: report.trendOptions(configuration), selection: report.selection.selection,
            output: try report.output(configuration), failOn: report.failOn(otherwise: failOn),
            notify: notify.isEmpty ? configuration.report.notify : notify)
    }
}
