import FedCore
import FedStoreCore

/// One snapshot with its component series: the unit of pooling. `info` is the store's own
/// record, so the comparison core can be fed directly (tests) or through `SnapshotLoader` (the CLI).
package struct PooledSnapshot: Sendable {
    package var info: SnapshotRecord
    package var series: [ComponentSeries]

    package init(info: SnapshotRecord, series: [ComponentSeries]) {
        self.info = info
        self.series = series
    }
}

/// The snapshots pooled for one side of a comparison (all snapshots of one build that pass the
/// filters).
package struct BuildSample: Sendable {
    package var build: String
    package var distribution: String
    package var snapshots: [PooledSnapshot]
    /// The resource each query of the snapshots' query sets measures, by query name: what tells
    /// a query that found nothing from a resource that is not measured at all.
    package var queryResources: [String: Resource]

    package init(build: String, distribution: String, snapshots: [PooledSnapshot], queryResources: [String: Resource] = [:]) {
        self.build = build
        self.distribution = distribution
        self.snapshots = snapshots
        self.queryResources = queryResources
    }

    /// Clusters of the pooled snapshots, sorted, without repeats.
    package var clusters: [String] { Array(Set(snapshots.map(\.info.cluster))).sorted() }

    /// The nodes of each cluster whose snapshots say: the most any of them saw.
    package var nodes: [ClusterNodes] {
        var byCluster: [String: NodeCount] = [:]
        for s in snapshots {
            guard let n = s.info.nodes else { continue }
            if let seen = byCluster[s.info.cluster], seen.count >= n.count { continue }
            byCluster[s.info.cluster] = n
        }
        return byCluster.keys.sorted().map { ClusterNodes(cluster: $0, count: byCluster[$0]!.count, roles: byCluster[$0]!.roles) }
    }
}

/// Which snapshots of a build to pool.
package struct SnapshotSelection: Sendable, Equatable {
    /// Only these clusters; empty means all.
    package var clusters: [String]
    package var since: TimestampMs?
    package var until: TimestampMs?

    package init(clusters: [String] = [], since: TimestampMs? = nil, until: TimestampMs? = nil) {
        self.clusters = clusters
        self.since = since
        self.until = until
    }
}

/// Thresholds of the verdicts. Defaults are those documented in docs/report-formats.md.
package struct CompareOptions: Sendable, Equatable {
    /// Relative change of the mean that counts, as a fraction (0.05 = 5 %).
    package var threshold: Double = 0.05
    /// Absolute change of the mean that counts for CPU, in cores.
    package var minDeltaCPU: Double = 0.005
    /// Absolute change of the mean that counts for memory, in bytes.
    package var minDeltaMemory: Double = 10 * 1024 * 1024
    /// Below this coverage on either side the row is `insufficient-data`.
    package var minCoverage: Double = 0.5
    /// Below this coverage a row is flagged `low-coverage` but keeps its verdict.
    package var lowCoverage: Double = 0.9
    /// Snapshots with data needed on each side before significance is required.
    package var minSnapshotsForTest: Int = 3
    /// False discovery rate of the Benjamini-Hochberg procedure.
    package var falseDiscoveryRate: Double = 0.05
    /// Components whose rows are divided by each snapshot's node count (`compare --per-node`:
    /// the map's `per_node` components); empty compares them whole.
    package var perNodeComponents: Set<String> = []
    /// The budgets B (and each build of a trend) is held against (`budgets:`).
    package var budgets = Configuration.Budgets()

    package init(
        threshold: Double = 0.05, minDeltaCPU: Double = 0.005, minDeltaMemory: Double = 10 * 1024 * 1024,
        minCoverage: Double = 0.5, lowCoverage: Double = 0.9, minSnapshotsForTest: Int = 3,
        falseDiscoveryRate: Double = 0.05
    ) {
        self.threshold = threshold
        self.minDeltaCPU = minDeltaCPU
        self.minDeltaMemory = minDeltaMemory
        self.minCoverage = minCoverage
        self.lowCoverage = lowCoverage
        self.minSnapshotsForTest = minSnapshotsForTest
        self.falseDiscoveryRate = falseDiscoveryRate
    }

    /// The absolute floor of `resource`, in its unit.
    package func floor(_ resource: Resource) -> Double { resource == .cpu ? minDeltaCPU : minDeltaMemory }
}
