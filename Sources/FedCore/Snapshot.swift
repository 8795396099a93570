/// Timestamps of a collect window left out of the statistics, by reason.
public struct LeftOutCounts: Codable, Sendable, Equatable {
    /// No build version known at the timestamp (`cluster_version` missing).
    public var noVersion = 0
    /// Two or more versions reported at once.
    public var multipleVersions = 0
    /// Within `collect.settle` after a version change, while pods of both versions run.
    public var settling = 0
    /// Non-finite samples (`NaN`, `±Inf`) left out of the sums. Counted per sample, not timestamp.
    public var nonFiniteSamples = 0

    public init(noVersion: Int = 0, multipleVersions: Int = 0, settling: Int = 0, nonFiniteSamples: Int = 0) {
        self.noVersion = noVersion
        self.multipleVersions = multipleVersions
        self.settling = settling
        self.nonFiniteSamples = nonFiniteSamples
    }

    /// Left-out timestamps (not samples).
    public var timestamps: Int { noVersion + multipleVersions + settling }

    public static func + (a: LeftOutCounts, b: LeftOutCounts) -> LeftOutCounts {
        LeftOutCounts(
            noVersion: a.noVersion + b.noVersion, multipleVersions: a.multipleVersions + b.multipleVersions,
            settling: a.settling + b.settling, nonFiniteSamples: a.nonFiniteSamples + b.nonFiniteSamples)
    }
}

/// One component's summed series over a snapshot's grid: the value at each timestamp is the sum of
/// the component's series there; NaN means no data (or a left-out timestamp).
public struct ComponentSeries: Sendable, Equatable {
    public var component: ComponentRef
    public var resource: Resource
    public var values: [Double]
    /// The namespaces or host services whose series were summed in, sorted.
    public var members: [String]

    public init(component: ComponentRef, resource: Resource, values: [Double], members: [String]) {
        self.component = component
        self.resource = resource
        self.values = values
        self.members = members
    }
}

/// Statistics of one container (or host service) for drill-down.
public struct ContainerSummary: Sendable, Equatable, Codable {
    public var namespace: String
    public var pod: String
    public var container: String
    public var component: String
    public var resource: Resource
    public var summary: Summary

    public init(namespace: String, pod: String, container: String, component: String, resource: Resource, summary: Summary) {
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.component = component
        self.resource = resource
        self.summary = summary
    }
}

/// Everything `collect` learned about one (cluster, build, segment), ready to store.
public struct SnapshotInput: Sendable {
    public var cluster: String
    public var distribution: String
    public var build: String
    /// The segment's grid; component series have `grid.count` values.
    public var grid: TimeGrid
    /// Timestamps of the grid that count (not left out): the denominator of coverage.
    public var includedTimestamps: Int
    public var querySetHash: String
    public var querierURL: String
    public var serverBuild: String?
    public var fedreportVersion: String
    public var leftOut: LeftOutCounts
    public var warnings: [String]
    /// Set when the server returned warnings (a Thanos partial response) or a query failed.
    public var partial: Bool
    public var collectedAt: TimestampMs
    public var components: [ComponentSeries]
    public var containers: [ContainerSummary]
    /// Queries that returned no series for this cluster ("no data", never zero).
    public var noData: [String]

    public init(
        cluster: String, distribution: String, build: String, grid: TimeGrid, includedTimestamps: Int,
        querySetHash: String, querierURL: String, serverBuild: String?, fedreportVersion: String,
        leftOut: LeftOutCounts, warnings: [String], partial: Bool, collectedAt: TimestampMs,
        components: [ComponentSeries], containers: [ContainerSummary], noData: [String]
    ) {
        self.cluster = cluster
        self.distribution = distribution
        self.build = build
        self.grid = grid
        self.includedTimestamps = includedTimestamps
        self.querySetHash = querySetHash
        self.querierURL = querierURL
        self.serverBuild = serverBuild
        self.fedreportVersion = fedreportVersion
        self.leftOut = leftOut
        self.warnings = warnings
        self.partial = partial
        self.collectedAt = collectedAt
        self.components = components
        self.containers = containers
        self.noData = noData
    }
}

extension SnapshotInput {
    /// How many components have a series (CPU, memory or both) in this snapshot.
    public var componentCount: Int { Set(components.map(\.component.name)).count }

    /// The platform total's coverage: the share of included timestamps at which at least one
    /// component has a CPU value, so the summed CPU of the platform has one. Nil when the
    /// segment includes no timestamp (everything left out).
    public var totalCPUCoverage: Double? {
        guard includedTimestamps > 0 else { return nil }
        let total = sumSeries(components.filter { $0.resource == .cpu }.map(\.values), count: grid.count)
        return Double(total.filter { !$0.isNaN }.count) / Double(includedTimestamps)
    }
}

/// Sums series timestamp by timestamp; a timestamp where no series has data stays NaN.
public func sumSeries<S: Sequence>(_ series: S, count: Int) -> [Double] where S.Element == [Double] {
    var out = [Double](repeating: .nan, count: count)
    for s in series {
        precondition(s.count == count, "series of different lengths")
        for i in 0..<count where !s[i].isNaN {
            out[i] = out[i].isNaN ? s[i] : out[i] + s[i]
        }
    }
    return out
}

/// The version of fedreport, stored in every snapshot and printed in reports.
public let fedreportVersion = "0.1.0"
