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

/// `periodic.md` / `periodic.html`.
struct PeriodicView: Sendable {
    struct Build: Sendable {
        var build: String
    }

    var generatedAt: String
    var version: String
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
    var dataQuality: DataQualityView
    var provenance: [ProvenanceView]
    /// HTML only; empty in Markdown.
    var trendCharts: [ChartView]
}
