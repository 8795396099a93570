import FedCore

/// The level of a comparison row.
package enum RowLevel: String, Sendable, Codable, CaseIterable {
    case component
    case category
    case total
}

/// What a row measures: a component, a category or the platform total, of one resource. Every
/// row type of the reports holds one (`key`) and reads its fields through it (`row.resource`).
/// Ordered as the tables go: components, categories, totals; then by category, component and
/// resource.
package struct RowKey: Sendable, Hashable, Comparable {
    package var level: RowLevel
    /// Set on component rows.
    package var component: ComponentRef?
    /// Set on component and category rows.
    package var category: Category?
    package var resource: Resource

    package init(level: RowLevel, component: ComponentRef?, category: Category?, resource: Resource) {
        self.level = level
        self.component = component
        self.category = category
        self.resource = resource
    }

    package static func component(_ c: ComponentRef, _ r: Resource) -> RowKey {
        RowKey(level: .component, component: c, category: c.category, resource: r)
    }
    package static func category(_ c: Category, _ r: Resource) -> RowKey {
        RowKey(level: .category, component: nil, category: c, resource: r)
    }
    package static func total(_ r: Resource) -> RowKey { RowKey(level: .total, component: nil, category: nil, resource: r) }

    /// The row's display name: the component, the category, or `platform` for totals.
    package var name: String {
        switch level {
        case .component: component?.name ?? ""
        case .category: category?.rawValue ?? ""
        case .total: "platform"
        }
    }

    package static func < (x: RowKey, y: RowKey) -> Bool {
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
package protocol KeyedRow {
    var key: RowKey { get }
}

extension KeyedRow {
    package subscript<T>(dynamicMember path: KeyPath<RowKey, T>) -> T { key[keyPath: path] }
}

/// What a comparison row says about B against A.
package enum Verdict: String, Sendable, Codable, CaseIterable {
    case regression
    case improvement
    case unchanged
    /// B's mean moved by more than the threshold, but by no more than the resource's absolute
    /// floor: a large percentage of a tiny value.
    case negligible
    case new
    case removed
    case insufficientData = "insufficient-data"
}

/// Marks on a row that keep its verdict but warn the reader.
package enum RowFlag: String, Sendable, Codable, CaseIterable, Comparable {
    /// A snapshot pooled into a side was collected from a partial response (every row of the side).
    case partial
    /// Coverage below `CompareOptions.lowCoverage` on a side.
    case lowCoverage = "low-coverage"

    package static func < (a: RowFlag, b: RowFlag) -> Bool { a.rawValue < b.rawValue }
}

/// The pooled statistics of one side of a row.
package struct SideStats: Sendable, Equatable {
    /// Statistics over the samples of all pooled snapshots, each (cluster, timestamp) once; coverage
    /// over Σ includedTimestamps of the snapshots whose cluster has the row (see `PooledSide`).
    package var summary: Summary
    /// Snapshots that had at least one sample for this row.
    package var snapshots: Int
    /// The mean of each of those snapshots, in snapshot order.
    package var snapshotMeans: [Double]
    /// Whether any snapshot pooled into the side was partial.
    package var partial: Bool
    /// Timestamps that counted but where the row was left out because a member had no value
    /// there (a component whose member sent NaN; a category or total missing a component).
    package var leftOutTimestamps: Int

    package init(summary: Summary, snapshots: Int, snapshotMeans: [Double], partial: Bool, leftOutTimestamps: Int = 0) {
        self.summary = summary
        self.snapshots = snapshots
        self.snapshotMeans = snapshotMeans
        self.partial = partial
        self.leftOutTimestamps = leftOutTimestamps
    }

    /// Standard deviation (n − 1) of the per-snapshot means; nil with fewer than two snapshots.
    package var snapshotMeanSD: Double? {
        guard snapshotMeans.count >= 2 else { return nil }
        return Significance.meanAndVariance(snapshotMeans).variance.squareRoot()
    }

    package var snapshotMeanMin: Double? { snapshotMeans.min() }
    package var snapshotMeanMax: Double? { snapshotMeans.max() }
}

/// What a verdict of regression, improvement or unchanged rests on.
package enum VerdictBasis: String, Sendable, Equatable {
    /// Both sides had `minSnapshotsForTest` snapshots: the change also had to be significant.
    case significance
    /// A side had fewer: the verdict rests on the threshold (and the absolute floor) alone.
    case thresholdOnly = "threshold-only"
}

/// How sure a difference of means is, from the per-snapshot means of both sides (at least two
/// on each): Welch's 95 % confidence interval of B − A and the effect size.
package struct Confidence: Sendable, Equatable {
    /// Welch's 95 % interval of B's mean minus A's mean, in the row's unit.
    package var low: Double
    package var high: Double
    /// Welch–Satterthwaite degrees of freedom; NaN when neither side varies.
    package var degreesOfFreedom: Double
    /// Hedges' g (bias-corrected standardised difference); nil when neither side varies.
    package var hedgesG: Double?

    package init(low: Double, high: Double, degreesOfFreedom: Double, hedgesG: Double?) {
        self.low = low
        self.high = high
        self.degreesOfFreedom = degreesOfFreedom
        self.hedgesG = hedgesG
    }

    /// The interval and effect size of `b` against `a`, or nil with fewer than two values a side.
    package init?(a: [Double], b: [Double]) {
        guard let interval = Significance.welchInterval(a, b) else { return nil }
        self.init(
            low: interval.low, high: interval.high, degreesOfFreedom: interval.degreesOfFreedom, hedgesG: Significance.hedgesG(a, b))
    }
}

/// Relative changes in percent of the reference side; nil where the reference is zero.
package struct DeltaPct: Sendable, Equatable {
    package var mean: Double?
    package var p50: Double?
    package var p95: Double?
    package var p99: Double?
    package var max: Double?

    package init(mean: Double?, p50: Double?, p95: Double?, p99: Double?, max: Double?) {
        self.mean = mean
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// `new` against `reference`, in percent of `reference`.
    package init(_ new: Summary, against reference: Summary) {
        func pct(_ n: Double, _ r: Double) -> Double? { r == 0 ? (n == 0 ? 0 : nil) : (n - r) / r * 100 }
        self.init(
            mean: pct(new.mean, reference.mean), p50: pct(new.p50, reference.p50),
            p95: pct(new.p95, reference.p95), p99: pct(new.p99, reference.p99), max: pct(new.max, reference.max))
    }
}

/// One compared quantity: a component, a category or the platform total, for one resource.
package struct ComparisonRow: KeyedRow, Sendable, Equatable {
    package var key: RowKey
    package var a: SideStats?
    package var b: SideStats?
    /// Only on category and total rows of a comparison with a baseline.
    package var baseline: SideStats?
    /// Whether the side had a series for this row at all (a side can have a series without samples).
    package var presentInA: Bool
    package var presentInB: Bool
    /// B against A; nil when a side has no data.
    package var deltaPct: DeltaPct?
    /// B against the baseline; nil without a baseline or data.
    package var deltaPctVsBaseline: DeltaPct?
    /// Welch's p-value across per-snapshot means, when both sides had enough snapshots.
    package var pValue: Double?
    /// The Benjamini-Hochberg adjusted p-value of `pValue`.
    package var qValue: Double?
    /// Welch's interval and Hedges' g, when both sides have two or more snapshots with data.
    package var confidence: Confidence?
    package var verdict: Verdict
    /// What a regression, improvement or unchanged verdict rests on; nil for the others.
    package var basis: VerdictBasis?
    /// The stable id of the row's change, from B's distribution and build (see ``StableID``).
    package var id: String
    /// Set when `acks.yaml` acknowledges the row's regression or improvement.
    package var acknowledgement: Acknowledgement?
    package var flags: [RowFlag]
    package var notes: [String]
    /// Namespaces or host services summed into the component, both sides, sorted.
    package var members: [String]

    /// B's mean minus A's mean, in the resource's unit.
    package var deltaMean: Double? {
        guard let a, let b else { return nil }
        return b.summary.mean - a.summary.mean
    }
}

/// Who a side of a comparison is.
package struct SideInfo: Sendable, Equatable {
    package var build: String
    package var distribution: String
    package var snapshots: Int
    package var clusters: [String]
    package var snapshotIDs: [Int64]
    /// The nodes of each cluster whose snapshots say, by cluster.
    package var nodes: [ClusterNodes]

    package init(
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
    package func clusterList(inline: Bool = false) -> String {
        clusters.map { cluster in
            nodes.first { $0.cluster == cluster }.map { inline ? "\(cluster): \($0.text)" : "\(cluster) (\($0.text))" } ?? cluster
        }.joined(separator: ", ")
    }
}

/// How many nodes one cluster of a side ran: the most any of its snapshots of the build saw.
package struct ClusterNodes: Sendable, Equatable {
    package var cluster: String
    package var count: Int
    /// Nodes per role where the hub has kube-state-metrics; empty otherwise.
    package var roles: [String: Int]

    package init(cluster: String, count: Int, roles: [String: Int] = [:]) {
        self.cluster = cluster
        self.count = count
        self.roles = roles
    }

    /// "6 nodes: 3 master, 3 worker".
    package var text: String {
        let base = "\(count) node\(count == 1 ? "" : "s")"
        guard !roles.isEmpty else { return base }
        return base + ": " + roles.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}

/// Which side of a comparison a snapshot or a figure belongs to.
package enum Side: String, Sendable, Codable, CaseIterable {
    case a
    case b
    case baseline
}

/// Where the figures came from: one entry per snapshot used.
package struct ProvenanceEntry: Sendable, Equatable {
    package var side: String
    package var snapshotID: Int64
    package var cluster: String
    package var build: String
    package var distribution: String
    package var querierURL: String
    package var start: TimestampMs
    package var end: TimestampMs
    package var step: Int64
    package var fedreportVersion: String
    package var serverBuild: String?
    package var querySetHash: String
    package var collectedAt: TimestampMs
    package var partial: Bool
}

/// Everything a reader should know before trusting the figures.
package struct DataQuality: Sendable, Equatable {
    package struct PartialSnapshot: Sendable, Equatable {
        package var snapshotID: Int64
        package var cluster: String
        package var build: String
        package var warnings: [String]
    }

    package struct LowCoverage: KeyedRow, Sendable, Equatable {
        package var key: RowKey
        package var side: String
        package var build: String
        package var coverage: Double
    }

    package struct Unmapped: Sendable, Equatable {
        /// A namespace or host service that no rule of the component map matched.
        package var member: String
        /// Builds in which it was seen, in order of first appearance.
        package var builds: [String]
    }

    package struct QuerySetUse: Sendable, Equatable {
        package var hash: String
        package var snapshotIDs: [Int64]
    }

    package struct NoData: Sendable, Equatable {
        package var snapshotID: Int64
        package var cluster: String
        package var build: String
        package var query: String
    }

    /// A note stored with a complete snapshot about how its figures were taken (for example a
    /// querier that has only `cluster_version{type="current"}`).
    package struct SnapshotNote: Sendable, Equatable {
        package var snapshotID: Int64
        package var cluster: String
        package var build: String
        package var note: String
    }

    /// The measurement hashes of the snapshots of each compared side (see `MeasurementHash`).
    package struct MeasurementUse: Sendable, Equatable {
        package var side: String
        package var build: String
        package var hash: String
        package var snapshotIDs: [Int64]
    }

    /// The clusters behind each compared build, when they are not the same set.
    package struct ClusterSets: Sendable, Equatable {
        package var a: [String]
        package var b: [String]
        /// Clusters only in A, only in B.
        package var onlyA: [String] { a.filter { !b.contains($0) } }
        package var onlyB: [String] { b.filter { !a.contains($0) } }
    }

    /// Snapshots of one cluster and build whose windows overlap, pooled as one run over the
    /// union of their timestamps (see `OverlapPlan`).
    package struct Overlap: Sendable, Equatable {
        package struct Member: Sendable, Equatable {
            package var snapshotID: Int64
            package var start: TimestampMs
            package var end: TimestampMs
            package var step: Int64
            /// The snapshot's timestamps that count in the union.
            package var counted: Int
            /// Its grid points left out because they lie in the window of a snapshot before it.
            package var dropped: Int
        }

        package var cluster: String
        package var build: String
        /// In priority order: the first keeps all its points, each next one those outside the
        /// windows of the ones before it.
        package var snapshots: [Member]
        /// The left-out counts the run contributes: per kind, the largest of its snapshots'.
        package var leftOut: LeftOutCounts

        /// Timestamps that count in the union.
        package var counted: Int { snapshots.reduce(0) { $0 + $1.counted } }

        /// "test-cluster-0 4.6.1: snapshots #6 (…) and #3 (…) overlap; pooled as one run over the
        /// union of their timestamps, 360 of which count (#6: 360; #3: 0, 340 points covered by #6 left out)".
        package var text: String {
            func window(_ m: Member) -> String {
                "#\(m.snapshotID) (\(Units.timeSeconds(m.start)) – \(Units.timeSeconds(m.end)), step \(Units.step(m.step)))"
            }
            let names = snapshots.map(window)
            let list =
                names.count == 2 ? names.joined(separator: " and ") : names.dropLast().joined(separator: ", ") + " and " + names.last!
            let shares = snapshots.enumerated().map { i, m in
                let before = snapshots.prefix(i).map { "#\($0.snapshotID)" }.joined(separator: ", ")
                return "#\(m.snapshotID): \(m.counted)"
                    + (m.dropped > 0 && i > 0 ? ", \(m.dropped) point\(m.dropped == 1 ? "" : "s") covered by \(before) left out" : "")
            }
            return "\(cluster) \(build): snapshots \(list) overlap; pooled as one run over the union of their timestamps, "
                + "\(counted) of which count (\(shares.joined(separator: "; ")))"
        }
    }

    package var partialSnapshots: [PartialSnapshot] = []
    /// Overlapping snapshots pooled as one run, one entry per run.
    package var overlaps: [Overlap] = []
    package var lowCoverage: [LowCoverage] = []
    package var unmapped: [Unmapped] = []
    /// Sum of the left-out counts of the snapshots used; a run of overlapping snapshots counts
    /// once, with the largest count of each kind among them (``Overlap/leftOut``).
    package var leftOut = LeftOutCounts()
    package var querySets: [QuerySetUse] = []
    package var noData: [NoData] = []
    /// Points the querier sent off the step grid, over the snapshots used; not in the figures.
    package var offGridPoints = 0
    package var snapshotNotes: [SnapshotNote] = []
    /// Measurement hashes of the compared sides (A and B; empty outside a comparison).
    package var measurements: [MeasurementUse] = []
    /// Set when A and B were pooled from different sets of clusters.
    package var clusterSets: ClusterSets?
    /// Set when A's and B's clusters ran different numbers of nodes: components that run on
    /// every node (DaemonSets) scale with the node count.
    package var nodeCounts: NodeCounts?

    /// The node counts of A and B, when they differ.
    package struct NodeCounts: Sendable, Equatable {
        package var a: [ClusterNodes]
        package var b: [ClusterNodes]

        /// "A: c0 8 nodes; B: c1 5 nodes".
        package var text: String { text(a: "A", b: "B") }

        /// "4.6.8: c0 8 nodes; 4.6.16: c1 5 nodes", with the sides named `a` and `b`.
        package func text(a nameA: String, b nameB: String) -> String {
            func list(_ l: [ClusterNodes]) -> String { l.map { "\($0.cluster) \($0.text)" }.joined(separator: ", ") }
            return "\(nameA): \(list(a)); \(nameB): \(list(b))"
        }
    }

    /// True when A's and B's clusters ran different numbers of nodes.
    package var nodeCountsDiffer: Bool { nodeCounts != nil }

    /// A resource a side has no series of at all: the hub does not carry it (a hub of recording
    /// rules without memory). Every figure of it is absent, never 0.
    package struct NotMeasured: Sendable, Equatable {
        package var side: String
        package var build: String
        package var resource: Resource
    }

    package var notMeasured: [NotMeasured] = []

    /// A query that found nothing for a cluster whose other queries of the same resource did: the
    /// side's totals of that resource lack what it measures (host services, say).
    package struct IncompleteQuery: Sendable, Equatable {
        package var side: String
        package var build: String
        package var query: String
        package var resource: Resource
        package var clusters: [String]
    }

    package var incompleteQueries: [IncompleteQuery] = []

    /// "the memory total of B (4.6.8) is without host-memory-ocp (c0)", one phrase per entry.
    package var incompleteText: [String] {
        incompleteQueries.map {
            "the \(Self.resourceWord($0.resource)) total of \(Self.sideName($0.side)) (\($0.build)) is without \($0.query) "
                + "(no series for \($0.clusters.joined(separator: ", ")))"
        }
    }

    /// "memory for A (4.6.1), B (4.6.8)", one phrase per resource.
    package var notMeasuredText: [String] {
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
    package var leftOutSamples: Int { leftOut.nonFiniteSamples }
    /// Timestamps left out (no version, several versions, settling).
    package var leftOutTimestamps: Int { leftOut.timestamps }
    /// True when the snapshots used were collected with different query sets.
    package var querySetsDiffer: Bool { querySets.count > 1 }
    /// True when the compared sides were measured differently: different PromQL as rendered,
    /// rate window, step, settle, replica labels, Thanos settings, build source or component
    /// maps. Snapshots stored before fedreport kept the hash (empty) differ from those with one:
    /// they were measured by an older fedreport, with other rules. When none has a hash, nothing
    /// can be told.
    package var measurementMismatch: Bool {
        Set(measurements.map(\.hash)).count > 1 && measurements.contains { !$0.hash.isEmpty }
    }
    /// True when A and B come from different sets of clusters.
    package var clusterSetsDiffer: Bool { clusterSets != nil }

    /// Whether there is anything to tell.
    package var isClean: Bool {
        partialSnapshots.isEmpty && overlaps.isEmpty && lowCoverage.isEmpty && unmapped.isEmpty && leftOut == LeftOutCounts()
            && !querySetsDiffer && noData.isEmpty && offGridPoints == 0 && snapshotNotes.isEmpty && !measurementMismatch
            && !clusterSetsDiffer && !nodeCountsDiffer && notMeasured.isEmpty && incompleteQueries.isEmpty
    }
}

/// B compared against A (and the category and total levels against a baseline).
package struct Comparison: Sendable {
    package var a: SideInfo
    package var b: SideInfo
    package var baseline: SideInfo?
    package var options: CompareOptions
    /// Component rows ordered by category, component, resource.
    package var components: [ComparisonRow]
    /// Category rows ordered by category, resource.
    package var categories: [ComparisonRow]
    /// Platform totals, CPU then memory.
    package var totals: [ComparisonRow]
    package var dataQuality: DataQuality
    package var provenance: [ProvenanceEntry]
    /// Where B's CPU and memory go, what explains the change from A, B against the baseline and
    /// B's budgets (see `Answers/`).
    package var targets = Targets()
    package var breakdown: [DeltaBreakdown] = []
    /// Nil without a baseline.
    package var baselineRatio: BaselineRatio?
    package var budgets: [BudgetStatus] = []

    /// Every row, components first.
    package var allRows: [ComparisonRow] { components + categories + totals }
    /// Whether any row (component, category or total) is a regression.
    package var hasRegression: Bool { allRows.contains { $0.verdict == .regression } }
    package var regressions: [ComparisonRow] { allRows.filter { $0.verdict == .regression } }
    /// The regressions that no entry of `acks.yaml` acknowledges: those that fail a job.
    package var unacknowledgedRegressions: [ComparisonRow] { regressions.filter { $0.acknowledgement == nil } }
    package var improvements: [ComparisonRow] { allRows.filter { $0.verdict == .improvement } }

    /// The platform total of `resource`.
    package func total(_ resource: Resource) -> ComparisonRow? { totals.first { $0.resource == resource } }
}
