import FedCore

/// The level of a comparison row.
public enum RowLevel: String, Sendable, Codable, CaseIterable {
    case component
    case category
    case total
}

/// What a row measures: a component, a category or the platform total, of one resource. Every
/// row type of the reports holds one (`key`) and reads its fields through it (`row.resource`).
/// Ordered as the tables go: components, categories, totals; then by category, component and
/// resource.
public struct RowKey: Sendable, Hashable, Comparable {
    public var level: RowLevel
    /// Set on component rows.
    public var component: ComponentRef?
    /// Set on component and category rows.
    public var category: Category?
    public var resource: Resource

    public init(level: RowLevel, component: ComponentRef?, category: Category?, resource: Resource) {
        self.level = level
        self.component = component
        self.category = category
        self.resource = resource
    }

    public static func component(_ c: ComponentRef, _ r: Resource) -> RowKey {
        RowKey(level: .component, component: c, category: c.category, resource: r)
    }
    public static func category(_ c: Category, _ r: Resource) -> RowKey {
        RowKey(level: .category, component: nil, category: c, resource: r)
    }
    public static func total(_ r: Resource) -> RowKey { RowKey(level: .total, component: nil, category: nil, resource: r) }

    /// The row's display name: the component, the category, or `platform` for totals.
    public var name: String {
        switch level {
        case .component: component?.name ?? ""
        case .category: category?.rawValue ?? ""
        case .total: "platform"
        }
    }

    public static func < (x: RowKey, y: RowKey) -> Bool {
        if x.level != y.level {
            return RowLevel.allCases.firstIndex(of: x.level)! < RowLevel.allCases.firstIndex(of: y.level)!
        }
        if x.category != y.category {
            guard let xc = x.category else { return true }
            guard let yc = y.category else { return false }
            return xc < yc
        }
        if x.component?.name != y.component?.name { return (x.component?.name ?? "") < (y.component?.name ?? "") }
        return x.resource < y.resource
    }
}

/// A row identified by a ``RowKey``: the key's fields read as the row's own (`row.level`,
/// `row.resource`), and so does its name.
@dynamicMemberLookup
public protocol KeyedRow {
    var key: RowKey { get }
}

extension KeyedRow {
    public subscript<T>(dynamicMember path: KeyPath<RowKey, T>) -> T { key[keyPath: path] }
}

/// What a comparison row says about B against A.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    case regression
    case improvement
    case unchanged
    case new
    case removed
    case insufficientData = "insufficient-data"
}

/// Marks on a row that keep its verdict but warn the reader.
public enum RowFlag: String, Sendable, Codable, CaseIterable, Comparable {
    /// A snapshot pooled into a side was collected from a partial response (every row of the side).
    case partial
    /// Coverage below `CompareOptions.lowCoverage` on a side.
    case lowCoverage = "low-coverage"

    public static func < (a: RowFlag, b: RowFlag) -> Bool { a.rawValue < b.rawValue }
}

/// The pooled statistics of one side of a row.
public struct SideStats: Sendable, Equatable {
    /// Statistics over the samples of all pooled snapshots, each (cluster, timestamp) once; coverage
    /// over Σ includedTimestamps of the snapshots whose cluster has the row (see `PooledSide`).
    public var summary: Summary
    /// Snapshots that had at least one sample for this row.
    public var snapshots: Int
    /// The mean of each of those snapshots, in snapshot order.
    public var snapshotMeans: [Double]
    /// Whether any snapshot pooled into the side was partial.
    public var partial: Bool
    /// Timestamps that counted but where the row was left out because a member had no value
    /// there (a component whose member sent NaN; a category or total missing a component).
    public var leftOutTimestamps: Int

    public init(summary: Summary, snapshots: Int, snapshotMeans: [Double], partial: Bool, leftOutTimestamps: Int = 0) {
        self.summary = summary
        self.snapshots = snapshots
        self.snapshotMeans = snapshotMeans
        self.partial = partial
        self.leftOutTimestamps = leftOutTimestamps
    }

    /// Standard deviation (n − 1) of the per-snapshot means; nil with fewer than two snapshots.
    public var snapshotMeanSD: Double? {
        guard snapshotMeans.count >= 2 else { return nil }
        return Significance.meanAndVariance(snapshotMeans).variance.squareRoot()
    }

    public var snapshotMeanMin: Double? { snapshotMeans.min() }
    public var snapshotMeanMax: Double? { snapshotMeans.max() }
}

/// What a verdict of regression, improvement or unchanged rests on.
public enum VerdictBasis: String, Sendable, Equatable {
    /// Both sides had `minSnapshotsForTest` snapshots: the change also had to be significant.
    case significance
    /// A side had fewer: the verdict rests on the threshold (and the absolute floor) alone.
    case thresholdOnly = "threshold-only"
}

/// How sure a difference of means is, from the per-snapshot means of both sides (at least two
/// on each): Welch's 95 % confidence interval of B − A and the effect size.
public struct Confidence: Sendable, Equatable {
    /// Welch's 95 % interval of B's mean minus A's mean, in the row's unit.
    public var low: Double
    public var high: Double
    /// Welch–Satterthwaite degrees of freedom; NaN when neither side varies.
    public var degreesOfFreedom: Double
    /// Hedges' g (bias-corrected standardised difference); nil when neither side varies.
    public var hedgesG: Double?

    public init(low: Double, high: Double, degreesOfFreedom: Double, hedgesG: Double?) {
        self.low = low
        self.high = high
        self.degreesOfFreedom = degreesOfFreedom
        self.hedgesG = hedgesG
    }

    /// The interval and effect size of `b` against `a`, or nil with fewer than two values a side.
    public init?(a: [Double], b: [Double]) {
        guard let interval = Significance.welchInterval(a, b) else { return nil }
        self.init(
            low: interval.low, high: interval.high, degreesOfFreedom: interval.degreesOfFreedom, hedgesG: Significance.hedgesG(a, b))
    }
}

/// Relative changes in percent of the reference side; nil where the reference is zero.
public struct DeltaPct: Sendable, Equatable {
    public var mean: Double?
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var max: Double?

    public init(mean: Double?, p50: Double?, p95: Double?, p99: Double?, max: Double?) {
        self.mean = mean
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// `new` against `reference`, in percent of `reference`.
    public init(_ new: Summary, against reference: Summary) {
        func pct(_ n: Double, _ r: Double) -> Double? { r == 0 ? (n == 0 ? 0 : nil) : (n - r) / r * 100 }
        self.init(
            mean: pct(new.mean, reference.mean), p50: pct(new.p50, reference.p50),
            p95: pct(new.p95, reference.p95), p99: pct(new.p99, reference.p99), max: pct(new.max, reference.max))
    }
}

/// One compared quantity: a component, a category or the platform total, for one resource.
public struct ComparisonRow: KeyedRow, Sendable, Equatable {
    public var key: RowKey
    public var a: SideStats?
    public var b: SideStats?
    /// Only on category and total rows of a comparison with a baseline.
    public var baseline: SideStats?
    /// Whether the side had a series for this row at all (a side can have a series without samples).
    public var presentInA: Bool
    public var presentInB: Bool
    /// B against A; nil when a side has no data.
    public var deltaPct: DeltaPct?
    /// B against the baseline; nil without a baseline or data.
    public var deltaPctVsBaseline: DeltaPct?
    /// Welch's p-value across per-snapshot means, when both sides had enough snapshots.
    public var pValue: Double?
    /// The Benjamini-Hochberg adjusted p-value of `pValue`.
    public var qValue: Double?
    /// Welch's interval and Hedges' g, when both sides have two or more snapshots with data.
    public var confidence: Confidence?
    public var verdict: Verdict
    /// What a regression, improvement or unchanged verdict rests on; nil for the others.
    public var basis: VerdictBasis?
    /// The stable id of the row's change, from B's distribution and build (see ``StableID``).
    public var id: String
    /// Set when `acks.yaml` acknowledges the row's regression or improvement.
    public var acknowledgement: Acknowledgement?
    public var flags: [RowFlag]
    public var notes: [String]
    /// Namespaces or host services summed into the component, both sides, sorted.
    public var members: [String]

    /// B's mean minus A's mean, in the resource's unit.
    public var deltaMean: Double? {
        guard let a, let b else { return nil }
        return b.summary.mean - a.summary.mean
    }
}

/// Who a side of a comparison is.
public struct SideInfo: Sendable, Equatable {
    public var build: String
    public var distribution: String
    public var snapshots: Int
    public var clusters: [String]
    public var snapshotIDs: [Int64]
    /// The nodes of each cluster whose snapshots say, by cluster.
    public var nodes: [ClusterNodes]

    public init(
        build: String, distribution: String, snapshots: Int, clusters: [String], snapshotIDs: [Int64], nodes: [ClusterNodes] = []
    ) {
        self.build = build
        self.distribution = distribution
        self.snapshots = snapshots
        self.clusters = clusters
        self.snapshotIDs = snapshotIDs
        self.nodes = nodes
    }

    /// The clusters, each with its node count where known: "c0 (6 nodes: 3 master, 3 worker), c1";
    /// with `inline`, "c0: 6 nodes: …", for text that is already in parentheses.
    public func clusterList(inline: Bool = false) -> String {
        clusters.map { cluster in
            nodes.first { $0.cluster == cluster }.map { inline ? "\(cluster): \($0.text)" : "\(cluster) (\($0.text))" } ?? cluster
        }.joined(separator: ", ")
    }
}

/// How many nodes one cluster of a side ran: the most any of its snapshots of the build saw.
public struct ClusterNodes: Sendable, Equatable {
    public var cluster: String
    public var count: Int
    /// Nodes per role where the hub has kube-state-metrics; empty otherwise.
    public var roles: [String: Int]

    public init(cluster: String, count: Int, roles: [String: Int] = [:]) {
        self.cluster = cluster
        self.count = count
        self.roles = roles
    }

    /// "6 nodes: 3 master, 3 worker".
    public var text: String {
        let base = "\(count) node\(count == 1 ? "" : "s")"
        guard !roles.isEmpty else { return base }
        return base + ": " + roles.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}

/// Which side of a comparison a snapshot or a figure belongs to.
public enum Side: String, Sendable, Codable, CaseIterable {
    case a
    case b
    case baseline
}

/// Where the figures came from: one entry per snapshot used.
public struct ProvenanceEntry: Sendable, Equatable {
    public var side: String
    public var snapshotID: Int64
    public var cluster: String
    public var build: String
    public var distribution: String
    public var querierURL: String
    public var start: TimestampMs
    public var end: TimestampMs
    public var step: Int64
    public var fedreportVersion: String
    public var serverBuild: String?
    public var querySetHash: String
    public var collectedAt: TimestampMs
    public var partial: Bool
}

/// Everything a reader should know before trusting the figures.
public struct DataQuality: Sendable, Equatable {
    public struct PartialSnapshot: Sendable, Equatable {
        public var snapshotID: Int64
        public var cluster: String
        public var build: String
        public var warnings: [String]
    }

    public struct LowCoverage: KeyedRow, Sendable, Equatable {
        public var key: RowKey
        public var side: String
        public var build: String
        public var coverage: Double
    }

    public struct Unmapped: Sendable, Equatable {
        /// A namespace or host service that no rule of the component map matched.
        public var member: String
        /// Builds in which it was seen, in order of first appearance.
        public var builds: [String]
    }

    public struct QuerySetUse: Sendable, Equatable {
        public var hash: String
        public var snapshotIDs: [Int64]
    }

    public struct NoData: Sendable, Equatable {
        public var snapshotID: Int64
        public var cluster: String
        public var build: String
        public var query: String
    }

    /// A note stored with a complete snapshot about how its figures were taken (for example a
    /// querier that has only `cluster_version{type="current"}`).
    public struct SnapshotNote: Sendable, Equatable {
        public var snapshotID: Int64
        public var cluster: String
        public var build: String
        public var note: String
    }

    /// The measurement hashes of the snapshots of each compared side (see `MeasurementHash`).
    public struct MeasurementUse: Sendable, Equatable {
        public var side: String
        public var build: String
        public var hash: String
        public var snapshotIDs: [Int64]
    }

    /// The clusters behind each compared build, when they are not the same set.
    public struct ClusterSets: Sendable, Equatable {
        public var a: [String]
        public var b: [String]
        /// Clusters only in A, only in B.
        public var onlyA: [String] { a.filter { !b.contains($0) } }
        public var onlyB: [String] { b.filter { !a.contains($0) } }
    }

    public var partialSnapshots: [PartialSnapshot] = []
    public var lowCoverage: [LowCoverage] = []
    public var unmapped: [Unmapped] = []
    /// Sum of the left-out counts of all snapshots used.
    public var leftOut = LeftOutCounts()
    public var querySets: [QuerySetUse] = []
    public var noData: [NoData] = []
    /// Points the querier sent off the step grid, over the snapshots used; not in the figures.
    public var offGridPoints = 0
    public var snapshotNotes: [SnapshotNote] = []
    /// Measurement hashes of the compared sides (A and B; empty outside a comparison).
    public var measurements: [MeasurementUse] = []
    /// Set when A and B were pooled from different sets of clusters.
    public var clusterSets: ClusterSets?
    /// Set when A's and B's clusters ran different numbers of nodes: components that run on
    /// every node (DaemonSets) scale with the node count.
    public var nodeCounts: NodeCounts?

    /// The node counts of A and B, when they differ.
    public struct NodeCounts: Sendable, Equatable {
        public var a: [ClusterNodes]
        public var b: [ClusterNodes]

        /// "A: c0 8 nodes; B: c1 5 nodes".
        public var text: String {
            func list(_ l: [ClusterNodes]) -> String { l.map { "\($0.cluster) \($0.text)" }.joined(separator: ", ") }
            return "A: \(list(a)); B: \(list(b))"
        }
    }

    /// True when A's and B's clusters ran different numbers of nodes.
    public var nodeCountsDiffer: Bool { nodeCounts != nil }

    /// A resource a side has no series of at all: the hub does not carry it (a hub of recording
    /// rules without memory). Every figure of it is absent, never 0.
    public struct NotMeasured: Sendable, Equatable {
        public var side: String
        public var build: String
        public var resource: Resource
    }

    public var notMeasured: [NotMeasured] = []

    /// A query that found nothing for a cluster whose other queries of the same resource did: the
    /// side's totals of that resource lack what it measures (host services, say).
    public struct IncompleteQuery: Sendable, Equatable {
        public var side: String
        public var build: String
        public var query: String
        public var resource: Resource
        public var clusters: [String]
    }

    public var incompleteQueries: [IncompleteQuery] = []

    /// "the memory total of B (4.6.8) is without host-memory-ocp (c0)", one phrase per entry.
    public var incompleteText: [String] {
        incompleteQueries.map {
            "the \(Self.resourceWord($0.resource)) total of \(Self.sideName($0.side)) (\($0.build)) is without \($0.query) "
                + "(no series for \($0.clusters.joined(separator: ", ")))"
        }
    }

    /// "memory for A (4.6.1), B (4.6.8)", one phrase per resource.
    public var notMeasuredText: [String] {
        Resource.allCases.compactMap { r in
            let list = notMeasured.filter { $0.resource == r }
            guard !list.isEmpty else { return nil }
            return "\(Self.resourceWord(r)) for \(list.map { "\(Self.sideName($0.side)) (\($0.build))" }.joined(separator: ", "))"
        }
    }

    /// "A", "B" or "the baseline", as the sentences name a side.
    static func sideName(_ side: String) -> String { side == Side.baseline.rawValue ? "the baseline" : side.uppercased() }

    static func resourceWord(_ r: Resource) -> String { r == .cpu ? "CPU" : "memory" }

    /// Non-finite samples left out of the sums.
    public var leftOutSamples: Int { leftOut.nonFiniteSamples }
    /// Timestamps left out (no version, several versions, settling).
    public var leftOutTimestamps: Int { leftOut.timestamps }
    /// True when the snapshots used were collected with different query sets.
    public var querySetsDiffer: Bool { querySets.count > 1 }
    /// True when the compared sides were measured differently: different PromQL as rendered,
    /// rate window, step, settle, replica labels, Thanos settings, build source or component
    /// maps. Snapshots stored before fedreport kept the hash (empty) differ from those with one:
    /// they were measured by an older fedreport, with other rules. When none has a hash, nothing
    /// can be told.
    public var measurementMismatch: Bool {
        Set(measurements.map(\.hash)).count > 1 && measurements.contains { !$0.hash.isEmpty }
    }
    /// True when A and B come from different sets of clusters.
    public var clusterSetsDiffer: Bool { clusterSets != nil }

    /// Whether there is anything to tell.
    public var isClean: Bool {
        partialSnapshots.isEmpty && lowCoverage.isEmpty && unmapped.isEmpty && leftOut == LeftOutCounts()
            && !querySetsDiffer && noData.isEmpty && offGridPoints == 0 && snapshotNotes.isEmpty && !measurementMismatch
            && !clusterSetsDiffer && !nodeCountsDiffer && notMeasured.isEmpty && incompleteQueries.isEmpty
    }
}

/// B compared against A (and the category and total levels against a baseline).
public struct Comparison: Sendable {
    public var a: SideInfo
    public var b: SideInfo
    public var baseline: SideInfo?
    public var options: CompareOptions
    /// Component rows ordered by category, component, resource.
    public var components: [ComparisonRow]
    /// Category rows ordered by category, resource.
    public var categories: [ComparisonRow]
    /// Platform totals, CPU then memory.
    public var totals: [ComparisonRow]
    public var dataQuality: DataQuality
    public var provenance: [ProvenanceEntry]

    /// Every row, components first.
    public var allRows: [ComparisonRow] { components + categories + totals }
    /// Whether any row (component, category or total) is a regression.
    public var hasRegression: Bool { allRows.contains { $0.verdict == .regression } }
    public var regressions: [ComparisonRow] { allRows.filter { $0.verdict == .regression } }
    /// The regressions that no entry of `acks.yaml` acknowledges: those that fail a job.
    public var unacknowledgedRegressions: [ComparisonRow] { regressions.filter { $0.acknowledgement == nil } }
    public var improvements: [ComparisonRow] { allRows.filter { $0.verdict == .improvement } }

    /// The platform total of `resource`.
    public func total(_ resource: Resource) -> ComparisonRow? { totals.first { $0.resource == resource } }
}
