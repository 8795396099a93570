/// The typed view models the Markdown and HTML templates render. swift-mustache reads stored
/// properties through reflection, so every name a template uses must be a stored property here:
/// `TemplateFieldTests` walks each template and fails on a name no view model has. Numbers are
/// already text in human units; text from data is escaped for Markdown by ``ViewModel`` and left
/// raw for HTML, where the template escapes it.

/// Who one side of a comparison is.
struct SideView: Sendable {
    var build: String
    var distribution: String
    var snapshots: Int
    /// "snapshot" or "snapshots", to agree with `snapshots`.
    var snapshotsWord: String
    var clusters: String
    var ids: String
}

/// The thresholds behind the verdicts, for the legend.
struct OptionsView: Sendable {
    var threshold: String
    var minDeltaCPU: String
    var minDeltaMemory: String
    var minCoverage: String
    var lowCoverage: String
    var minSnapshots: Int
    var fdr: String
}

/// One card of the headline: the platform total of one resource.
struct HeadlineView: Sendable {
    /// "CPU" or "Memory".
    var resource: String
    /// A's and B's means.
    var a: String
    var b: String
    /// B against A in percent, exactly as the tables give it.
    var delta: String
    /// B against A as a reader takes it in: "+8.4 %" or, from twice A on, "2.4×".
    var change: String
    /// What `change` is of: "CPU vs 4.6.1" or "the CPU of 4.6.1".
    var changeCaption: String
    /// `change` and `changeCaption` as one sentence: "+8.4 % CPU vs 4.6.1", "B uses 2.4× the CPU of 4.6.1".
    var changeSentence: String
    var deltaP95: String
    var verdict: String
    var verdictClass: String
    /// " · threshold only", " · acknowledged (T-1)", or empty.
    var verdictNote: String
    var hasBaseline: Bool
    /// The baseline's mean; `missing` without baseline data.
    var base: String
    var hasBaselineData: Bool
    /// B against the baseline in percent, exactly as the tables give it.
    var deltaBase: String
    /// B against the baseline as a sentence: "B uses 24× the CPU of k3s v1.26.5+k3s1".
    var baseSentence: String
    var marks: String
}

/// One row of a comparison table.
struct RowView: Sendable {
    var level: String
    var name: String
    var category: String
    var resource: String
    var aMean: String
    var aP95: String
    var aMax: String
    /// " ±sd" of the per-snapshot means, or empty.
    var aSpread: String
    var bMean: String
    var bP95: String
    var bMax: String
    var bSpread: String
    var aCoverage: String
    var bCoverage: String
    var aSnapshots: Int
    var bSnapshots: Int
    var dMean: String
    var dP95: String
    var dMax: String
    /// B's mean minus A's, signed, in human units.
    var dAbs: String
    /// Whether the row carries baseline columns (category and total rows of a comparison with a baseline).
    var hasBaseline: Bool
    var baseMean: String
    var baseP95: String
    var dBase: String
    var verdict: String
    var verdictClass: String
    var marks: String
    var q: String
    var members: String
    /// "up" or "down".
    var direction: String
    /// The stable id of the row's change (an ack names it by component, resource and B's build).
    var id: String
    /// "p 0.0012 · q 0.004 · 95 % CI +30 m to +80 m · g 3.91", "threshold only", or "—".
    var confidence: String
    /// " · threshold only" after a regression or improvement that no significance test backs, else empty.
    var basisNote: String
    /// "acknowledged (OCPBUGS-1)" when acks.yaml names the row's regression or improvement, else empty.
    var ack: String
    /// " · acknowledged (OCPBUGS-1)" for verdict cells, else empty.
    var ackNote: String
}

struct NoteView: Sendable {
    var name: String
    var level: String
    var resource: String
    var note: String
}

/// "3 regressions" and the like, one per verdict that occurs.
struct VerdictCountView: Sendable {
    var verdict: String
    var count: Int
    /// Count and verdict in agreement: "1 regression", "3 regressions", "108 unchanged".
    var label: String
    var verdictClass: String
}

struct DataQualityView: Sendable {
    struct Partial: Sendable {
        var id: String
        var cluster: String
        var build: String
        var warnings: String
    }

    struct LowCoverage: Sendable {
        var level: String
        var name: String
        var resource: String
        var side: String
        var build: String
        var coverage: String
    }

    struct Unmapped: Sendable {
        var member: String
        var builds: String
    }

    struct QuerySet: Sendable {
        var hash: String
        var ids: String
    }

    struct NoData: Sendable {
        var id: String
        var cluster: String
        var build: String
        var query: String
    }

    struct Measurement: Sendable {
        var side: String
        var build: String
        var hash: String
        var ids: String
    }

    struct Note: Sendable {
        var id: String
        var cluster: String
        var build: String
        var note: String
    }

    var clean: Bool
    var partial: [Partial]
    var hasPartial: Bool
    /// One sentence per run of overlapping snapshots: which, and what each gave to the union.
    var overlaps: [String]
    var hasOverlaps: Bool
    var lowCoverage: [LowCoverage]
    var hasLowCoverage: Bool
    var unmapped: [Unmapped]
    var hasUnmapped: Bool
    var leftOutSamples: Int
    var leftOutTimestamps: Int
    var leftOutNoVersion: Int
    var leftOutMultiple: Int
    var leftOutSettling: Int
    var leftOutUpgrading: Int
    var leftOutIncomplete: Int
    var hasLeftOut: Bool
    var offGridPoints: Int
    var hasOffGrid: Bool
    var measurementMismatch: Bool
    var measurements: [Measurement]
    var clusterSetsDiffer: Bool
    /// "A: c0, c1; B: c2".
    var clusterSets: String
    var nodeCountsDiffer: Bool
    /// "A: c0 8 nodes; B: c1 5 nodes".
    var nodeCounts: String
    var hasIncomplete: Bool
    /// "the memory total of B (4.6.8) is without host-memory-ocp (c0)"; phrases joined with "; ".
    var incomplete: String
    var hasNotMeasured: Bool
    /// "memory for A (4.6.1), B (4.6.8)"; phrases joined with "; ".
    var notMeasured: String
    var notes: [Note]
    var hasNotes: Bool
    var querySetsDiffer: Bool
    var querySets: [QuerySet]
    var noData: [NoData]
    var hasNoData: Bool
}

struct ProvenanceView: Sendable {
    var side: String
    var id: String
    var cluster: String
    var build: String
    var distribution: String
    var window: String
    var step: String
    var querier: String
    var serverBuild: String
    var version: String
    var hash: String
    var partialMark: String
}

/// `report.md` / `report.html`, and the comparison inside a periodic report.
struct ComparisonView: Sendable {
    var generatedAt: String
    var version: String
    /// Where the HTML report is published (`report.base_url`), for the Markdown footer.
    var link: String?
    var hasLink: Bool
    var partialMark: String
    var lowCoverageMark: String
    var title: String
    var a: SideView
    var b: SideView
    var hasBaseline: Bool
    var baseline: SideView?
    var headline: [HeadlineView]
    /// What the reader must know before trusting the headline (different clusters, different
    /// measurement), one sentence each.
    var cautions: [String]
    var hasCautions: Bool
    var options: OptionsView
    var regressions: [RowView]
    var hasRegressions: Bool
    var regressionCount: Int
    var improvements: [RowView]
    var hasImprovements: Bool
    var improvementCount: Int
    var totals: [RowView]
    var categories: [RowView]
    var components: [RowView]
    var hasComponents: Bool
    var notes: [NoteView]
    var hasNotes: Bool
    var verdictCounts: [VerdictCountView]
    var dataQuality: DataQualityView
    var provenance: [ProvenanceView]
    /// HTML only; empty in Markdown.
    var charts: [ChartView]
    /// False with --only-regressions: only the headline, the regressions and data quality.
    var full: Bool
    /// "2 of them acknowledged …", or empty.
    var acknowledgedNote: String
    var hasAcknowledged: Bool
    /// Where the CPU and memory go, what explains the change, the budgets: shown after the
    /// headline of a comparison (a periodic report shows its own first instead).
    var hasAnswers = false
    var answers: AnswersView?
}

/// One change point as the reports list it: one line per id (a change of a row found on its
/// mean and its p95 is one change), with the mean's figures when the mean shows it.
struct ChangePointView: Sendable {
    var id: String
    var level: String
    var name: String
    var resource: String
    /// The first build of the new regime.
    var build: String
    /// "mean, p95", "mean" or "p95".
    var statistics: String
    var before: String
    var after: String
    var change: String
    var p: String
    /// "regression" or "improvement".
    var direction: String
    var directionClass: String
    /// "acknowledged (OCPBUGS-1)", or empty.
    var ack: String
}

/// The "Change points" section of the periodic report and of `fedreport trend`.
struct ChangePointsView: Sendable {
    var notEnoughBuilds: Bool
    /// "Not enough builds for change points (have 4, need 10)."
    var notEnoughMessage: String
    var hasChangePoints: Bool
    var points: [ChangePointView]
    var count: Int
    var buildCount: Int
    /// How they were found, in one sentence, for the legend.
    var method: String
}

/// One row of a trend table: a total, category or component over the builds.
struct TrendRowView: Sendable {
    struct Point: Sendable {
        var mean: String
        var p95: String
        var hasData: Bool
        var marks: String
        /// "mean (p95 x)" with marks, for Markdown's one-line cells.
        var cell: String
    }

    var name: String
    var category: String
    var resource: String
    var points: [Point]
}

/// A build as a column header: the whole name (Markdown, tooltips), and for HTML's narrow
/// columns an OpenShift nightly in two short lines ("4.7.0 nightly", "10-07 04:03").
struct BuildColumnView: Sendable {
    var build: String
    var top: String
    var bottom: String
    var hasBottom: Bool
}

/// `periodic.md` / `periodic.html`.
struct PeriodicView: Sendable {
    typealias Build = BuildColumnView

    var generatedAt: String
    var version: String
    /// Where the HTML report is published (`report.base_url`), for the Markdown footer.
    var link: String?
    var hasLink: Bool
    var partialMark: String
    var lowCoverageMark: String
    var title: String
    var distribution: String
    var newest: String
    var builds: [Build]
    var buildCount: Int
    var buildRange: String
    var hasComparison: Bool
    var comparison: ComparisonView?
    var hasBaseline: Bool
    var baseline: SideView?
    var totalTrends: [TrendRowView]
    var categoryTrends: [TrendRowView]
    var componentTrends: [TrendRowView]
    var changePoints: ChangePointsView
    var dataQuality: DataQualityView
    var provenance: [ProvenanceView]
    /// HTML only; empty in Markdown.
    var trendCharts: [ChartView]
    /// HTML only: one chart per row with a change point, the change marked on its line.
    var changeCharts: [ChartView]
    var hasChangeCharts: Bool
    /// False with --only-regressions.
    var full: Bool
    /// The newest build's answers, first; the builds against the baseline and the budgets; the
    /// trend with a row per build; the components over the builds; the shortened build names.
    var answers: AnswersView?
    var progress: ProgressView?
    var trendTables: [BuildTableView] = []
    var componentSummaries: [ComponentTrendView] = []
    var legend: BuildLegendView?
}

/// `trend.md`: the change points of `fedreport trend` and the lines they were found on.
struct TrendView: Sendable {
    struct Line: Sendable {
        var level: String
        var name: String
        var resource: String
        var statistic: String
        /// One cell per build; a change point's first build is marked "▲" or "▼" before its value.
        var cells: [String]
    }

    typealias Build = BuildColumnView

    var generatedAt: String
    var version: String
    /// Where the HTML report is published (`report.base_url`), for the Markdown footer.
    var link: String?
    var hasLink: Bool
    var title: String
    var distribution: String
    var builds: [Build]
    var buildCount: Int
    var buildRange: String
    var changePoints: ChangePointsView
    /// The lines that have a change point (all lines when `--component` or `--resource` narrowed them).
    var lines: [Line]
    var hasLines: Bool
    /// Lines with values in fewer than min_builds builds, where nothing was looked for.
    var shortLines: String
    var hasShortLines: Bool
    /// HTML only: one chart per row with a change point.
    var changeCharts: [ChartView]
    /// The builds against the baseline and the budgets; `lines` with a row per build; the
    /// shortened build names.
    var progress: ProgressView?
    var linesTable: BuildTableView?
    var legend: BuildLegendView?
}

/// `multi.md` / `multi.html`: three or more builds, a column each.
struct MultiView: Sendable {
    struct Build: Sendable {
        /// "1", "2", … as the provenance names the sides.
        var position: String
        var build: String
        var column: BuildColumnView
        var distribution: String
        var snapshots: Int
        var snapshotsWord: String
        var clusters: String
    }

    /// One build's cell of a row: the mean, and from the second build on, the change and the
    /// verdict of the step from the build before, and from the third on, the change against
    /// the first build.
    struct Cell: Sendable {
        var build: String
        var mean: String
        /// The step's change of the mean, "+16.5 %"; empty for the first build.
        var delta: String
        var hasDelta: Bool
        /// "regression", "unchanged" … of the step from the build before; empty for the first build.
        var verdict: String
        var verdictClass: String
        /// " · threshold only", " · acknowledged (T-1)", or empty.
        var note: String
        /// "-12.2 % vs 4.6.1" from the third build on, else empty.
        var vsFirst: String
        var hasVsFirst: Bool
        /// Mean and, after the first build, "(+16.5 % · regression; -12.2 % vs 4.6.1)", for
        /// Markdown's one-line cells.
        var text: String
    }

    struct Row: Sendable {
        var level: String
        var name: String
        var category: String
        var resource: String
        var marks: String
        var cells: [Cell]
        var hasBaseline: Bool
        var baseMean: String
        var dBase: String
    }

    /// A regression or improvement of one step, with the step's builds.
    struct Change: Sendable {
        var from: String
        var to: String
        var row: RowView
    }

    var generatedAt: String
    var version: String
    /// Where the HTML report is published (`report.base_url`), for the Markdown footer.
    var link: String?
    var hasLink: Bool
    var partialMark: String
    var lowCoverageMark: String
    var title: String
    var builds: [Build]
    var hasBaseline: Bool
    var baseline: SideView?
    var options: OptionsView
    var headline: [Row]
    /// Per step they apply to, the cautions of a two-build comparison, with the step's builds
    /// for A and B ("4.6.8 and 4.6.16 come from different clusters …").
    var cautions: [String]
    var hasCautions: Bool
    var regressions: [Change]
    var hasRegressions: Bool
    var regressionCount: Int
    var improvements: [Change]
    var hasImprovements: Bool
    var improvementCount: Int
    var totals: [Row]
    var categories: [Row]
    var components: [Row]
    var hasComponents: Bool
    var dataQuality: DataQualityView
    var provenance: [ProvenanceView]
    var full: Bool
    var acknowledgedNote: String
    var hasAcknowledged: Bool
    /// HTML only: mean CPU and memory by category, a bar per build.
    var charts: [ChartView]
    /// The last build's answers (its change from the first) and each build against the baseline.
    var answers: AnswersView?
    var ratios: [BuildTableView] = []
    var hasRatios = false
}
