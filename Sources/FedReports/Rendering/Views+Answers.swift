/// The typed views of the answers every report gives first (see `Answers/`): where the CPU and
/// memory go, what explains the change, the budgets, and the builds against the baseline. As
/// in `Views.swift`, every name a template uses is a stored property and every number is text.

/// One component of "Where the CPU and memory go".
struct TargetRowView: Sendable {
    var rank: Int
    var id: String
    var name: String
    var category: String
    var mean: String
    var share: String
    var cumulative: String
    /// "+6.6 m (+77.0 %)", "new", or "—" without a build to compare with.
    var change: String
    var changeClass: String
    var baseMean: String
}

/// The targets of one resource: the largest components, then the rest in one line.
struct TargetsView: Sendable {
    /// "CPU" or "Memory".
    var resource: String
    var total: String
    var rows: [TargetRowView]
    var hasOthers: Bool
    /// "98 other components: 1.2 cores, 12 % (cumulative 100 %)".
    var others: String
    var hasChange: Bool
    var hasBaseline: Bool
    /// "k3s v1.26.5+k3s1".
    var baseline: String
    /// HTML only.
    var hasChart: Bool
    var chart: HBarChartView?
}

/// One line of a breakdown: a component, the other components together, or the remainder.
struct BreakdownRowView: Sendable {
    var rank: String
    var id: String
    var name: String
    var category: String
    var change: String
    /// The line's change in percent of the total's change.
    var ofTotal: String
    var changeClass: String
}

/// What explains the change of one resource's platform total.
struct BreakdownView: Sendable {
    var resource: String
    var before: String
    var after: String
    var totalChange: String
    var totalChangePct: String
    var changeClass: String
    var rows: [BreakdownRowView]
    var hasOthers: Bool
    var others: BreakdownRowView
    var remainder: BreakdownRowView
    var hasChart: Bool
    var chart: HBarChartView?
}

/// One budget of one build.
struct BudgetRowView: Sendable {
    var id: String
    /// "total", "category:control-plane", "etcd".
    var scope: String
    var resource: String
    var limit: String
    var value: String
    /// "+512.0 MiB", "-0.50 cores", "—".
    var headroom: String
    /// "exceeded", "within" or "not measured".
    var status: String
    var statusClass: String
    /// "acknowledged (EDGE-12)", or empty.
    var ack: String
}

/// The answers of a comparison, or of the newest build of a report.
struct AnswersView: Sendable {
    /// "4.7.0", the build the targets and budgets are of.
    var build: String
    /// "4.6.1 → 4.7.0", what the breakdown explains.
    var step: String
    var hasTargets: Bool
    var targets: [TargetsView]
    var hasBreakdown: Bool
    var breakdown: [BreakdownView]
    var hasBudgets: Bool
    var budgets: [BudgetRowView]
    var exceeded: Int
    /// "2 budgets exceeded, 1 of them acknowledged in acks.yaml", "Every budget is met.".
    var budgetSummary: String
    var budgetClass: String
}

/// A table with a row per build: the trends, ratios and headroom as a ticket reads them.
struct BuildTableView: Sendable {
    struct Row: Sendable {
        /// The build's label (shortened nightly names; see `legend`) and its full name.
        var build: String
        var fullBuild: String
        var cells: [String]
    }

    var title: String
    var columns: [String]
    var rows: [Row]
    /// A sentence under the table, or empty.
    var note: String
    var hasNote: Bool
}

/// One component over the builds of a report, in one line: first, newest, change, range.
struct ComponentTrendView: Sendable {
    var name: String
    var category: String
    var resource: String
    var first: String
    var newest: String
    var change: String
    var low: String
    var high: String
    /// HTML only: the means per build as a small line (`x,y x,y …` in a 100 × 20 box), empty with one value.
    var spark: String
    var hasSpark: Bool
}

/// The builds of a trend against the baseline and against the budgets, for the periodic report
/// and `fedreport trend`.
struct ProgressView: Sendable {
    var hasBaseline: Bool
    /// "k3s v1.26.5+k3s1".
    var baseline: String
    /// "4.7.0 uses 12.2× k3s's memory, down from 13.4× in 4.6.1", per resource.
    var sentences: [String]
    /// A table per resource: the platform and each category against the baseline, per build.
    var ratios: [BuildTableView]
    var hasRatioChanges: Bool
    var ratioChanges: [ChangePointView]
    var hasBudgets: Bool
    var headroom: BuildTableView
    /// HTML only: the ratio per build, change points ringed; each budget's mean per build against its limit.
    var ratioCharts: [ChartView]
    var budgetCharts: [ChartView]
}

/// The full names of the builds shortened in a report's tables and charts.
struct BuildLegendView: Sendable {
    struct Entry: Sendable {
        var label: String
        var build: String
    }

    var hasEntries: Bool
    var entries: [Entry]
}

/// A chart of horizontal bars that float (a waterfall) or start at zero (a Pareto list, with the
/// running share as a line over them), as `hbars.html` draws it.
struct HBarChartView: Sendable {
    struct Bar: Sendable {
        var label: String
        var fullLabel: String
        var labelX: String
        var labelY: String
        var x: String
        var y: String
        var w: String
        var h: String
        var cls: String
        var title: String
        var valueX: String
        var valueY: String
        var valueLabel: String
        var anchor: String
    }

    /// A dotted rule from one bar's end to the next bar's start.
    struct Connector: Sendable {
        var x: String
        var y1: String
        var y2: String
    }

    var title: String
    var viewBox: String
    var legend: [ChartView.LegendItem]
    var ticks: [ChartView.BarTick]
    var bars: [Bar]
    var connectors: [Connector]
    var hasZero: Bool
    var zeroX: String
    var zeroY1: String
    var zeroY2: String
    /// The running share (Pareto): a line over the bars, on their axis.
    var hasLine: Bool
    var linePoints: String
    var dots: [ChartView.Point]
}
