import ArgumentParser

/// What the periodic report covers, shared by `report` and `nightly`.
struct PeriodicOptions: ParsableArguments {
    @Option(help: "The distribution to report on.")
    var distribution = "ocp"

    @Option(help: "Builds in the trend (default: report.builds, 10).")
    var builds: Int?

    @Option(help: "Baseline distribution, optionally @build (default: report.baseline).")
    var baseline: String?
}
