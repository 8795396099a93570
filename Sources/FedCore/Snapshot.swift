/// Timestamps of a collect window left out of the statistics, by reason.
package struct LeftOutCounts: Codable, Sendable, Equatable {
    /// No build version known at the timestamp (`cluster_version` missing).
    package var noVersion = 0
    /// Two or more versions reported at once.
    package var multipleVersions = 0
    /// Within `collect.settle` after an upgrade ended (or after a version change where the
    /// querier shows no upgrade), while pods of both versions may still run.
    package var settling = 0
    /// While the cluster-version operator reported an upgrade in progress
    /// (`cluster_version{type="updating"}` present): pods of both versions run, nodes drain.
    package var upgrading = 0
    /// Non-finite samples (`NaN`, `±Inf`) left out of the sums. Counted per sample, not timestamp.
    package var nonFiniteSamples = 0
    /// Timestamps that count for the snapshot but where a platform total (CPU or memory) is left
    /// out because one of its components has no value or is left out there: a total that lacks
    /// a member would be too small. Not part of ``timestamps``.
    package var incompleteTotals = 0

    package init(
        noVersion: Int = 0, multipleVersions: Int = 0, settling: Int = 0, upgrading: Int = 0, nonFiniteSamples: Int = 0,
        incompleteTotals: Int = 0
    ) {
        self.noVersion = noVersion
        self.multipleVersions = multipleVersions
        self.settling = settling
        self.upgrading = upgrading
        self.nonFiniteSamples = nonFiniteSamples
        self.incompleteTotals = incompleteTotals
    }

    /// Left-out timestamps (not samples): those that belong to no build.
    package var timestamps: Int { noVersion + multipleVersions + settling + upgrading }

    package static func + (a: LeftOutCounts, b: LeftOutCounts) -> LeftOutCounts {
        LeftOutCounts(
            noVersion: a.noVersion + b.noVersion, multipleVersions: a.multipleVersions + b.multipleVersions,
            settling: a.settling + b.settling, upgrading: a.upgrading + b.upgrading,
            nonFiniteSamples: a.nonFiniteSamples + b.nonFiniteSamples, incompleteTotals: a.incompleteTotals + b.incompleteTotals)
    }
}

/// One component's summed series over a snapshot's grid.
///
/// Each grid point is in one of three states, kept apart: a value (the sum of the component's
/// series there); no value (NaN, not in ``leftOut``: no series of the component had a point, as
/// in a scrape gap, or the timestamp does not count for the snapshot); or left out (NaN and in
/// ``leftOut``: a member sent NaN or ±Inf, so a sum would lack it and be too small).
package struct ComponentSeries: Sendable, Equatable {
    package var component: ComponentRef
    package var resource: Resource
    package var values: [Double]
    /// Grid points where the component is left out because a member had no finite value.
    package var leftOut: GridMask
    /// The namespaces or host services whose series were summed in, sorted.
    package var members: [String]

    package init(component: ComponentRef, resource: Resource, values: [Double], leftOut: GridMask? = nil, members: [String]) {
        self.component = component
        self.resource = resource
        self.values = values
        self.leftOut = leftOut ?? GridMask(count: values.count)
        self.members = members
    }

    /// Whether the series holds anything at all: a value or a left-out point.
    package var isEmpty: Bool { leftOut.isEmpty && !values.contains { $0.isFinite } }
}

/// Statistics of one container (or host service) for drill-down.
package struct ContainerSummary: Sendable, Equatable, Codable {
    package var namespace: String
    package var pod: String
    package var container: String
    package var component: String
    package var resource: Resource
    package var summary: Summary

    package init(namespace: String, pod: String, container: String, component: String, resource: Resource, summary: Summary) {
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.component = component
        self.resource = resource
        self.summary = summary
    }
}

/// How many nodes a cluster ran while a snapshot was taken, and of which roles where known.
package struct NodeCount: Sendable, Codable, Equatable {
    /// The most nodes seen at once over the snapshot's timestamps that count.
    package var count: Int
    /// Nodes per role (`kube_node_role`), the most seen at once; empty where unknown. A node
    /// can hold several roles (a compact cluster's masters are workers too).
    package var roles: [String: Int]
    /// Where the count came from: `kube_node_info`, or `cadvisor` (the nodes of the root cgroup
    /// series) where the hub has no kube-state-metrics.
    package var source: String

    package init(count: Int, roles: [String: Int] = [:], source: String) {
        self.count = count
        self.roles = roles
        self.source = source
    }
}

/// What a snapshot says about itself besides its series: the cluster, build and window it
/// covers, how and when it was measured, and what was left out.
///
/// `collect` fills it in (`SnapshotInput`) and the store keeps it (`SnapshotRecord` in
/// FedStoreCore): both embed this one value, so each field is declared once, and both read its
/// fields as their own (`SnapshotMetadataCarrying`).
package struct SnapshotMetadata: Sendable, Equatable, Codable {
    package var cluster: String
    package var distribution: String
    package var build: String
    /// First grid point, milliseconds since the epoch.
    package var start: TimestampMs
    /// Last grid point (inclusive), milliseconds since the epoch.
    package var end: TimestampMs
    /// Grid step in milliseconds.
    package var step: Int64
    package var querySetHash: String
    package var querierURL: String
    package var serverBuild: String?
    package var fedreportVersion: String
    package var leftOut: LeftOutCounts
    package var warnings: [String]
    /// Set when the server returned warnings (a Thanos partial response) or a query failed.
    package var partial: Bool
    package var collectedAt: TimestampMs
    /// Queries that returned no series for this cluster ("no data", never zero).
    package var noData: [String]
    /// What the numbers were measured with beyond the query set: see ``MeasurementHash``; empty
    /// for snapshots stored before fedreport computed it.
    package var measurementHash: String
    /// Points the querier sent at timestamps off the step grid; they were not used.
    package var offGridPoints: Int
    /// When the build's release payload was created (`cluster_version{type="current"}`'s
    /// value on OpenShift); nil where unknown (the cluster does not say, or a snapshot stored
    /// before fedreport kept it). Orders builds within a stream.
    package var payloadCreated: TimestampMs?
    /// The cluster's nodes while the snapshot was taken; nil where unknown.
    package var nodes: NodeCount?

    package init(
        cluster: String, distribution: String, build: String, start: TimestampMs, end: TimestampMs, step: Int64,
        querySetHash: String = "", querierURL: String = "", serverBuild: String? = nil,
        fedreportVersion: String = FedCore.fedreportVersion, leftOut: LeftOutCounts = .init(), warnings: [String] = [],
        partial: Bool = false, collectedAt: TimestampMs = 0, noData: [String] = [], measurementHash: String = "",
        offGridPoints: Int = 0, payloadCreated: TimestampMs? = nil, nodes: NodeCount? = nil
    ) {
        self.cluster = cluster
        self.distribution = distribution
        self.build = build
        self.start = start
        self.end = end
        self.step = step
        self.querySetHash = querySetHash
        self.querierURL = querierURL
        self.serverBuild = serverBuild
        self.fedreportVersion = fedreportVersion
        self.leftOut = leftOut
        self.warnings = warnings
        self.partial = partial
        self.collectedAt = collectedAt
        self.noData = noData
        self.measurementHash = measurementHash
        self.offGridPoints = offGridPoints
        self.payloadCreated = payloadCreated
        self.nodes = nodes
    }

    /// The grid the snapshot's component series are sampled on.
    package var grid: TimeGrid { TimeGrid(start: start, end: end, step: step) }
}

/// A value that holds a snapshot's metadata and reads its fields as its own: `input.cluster`
/// for `input.metadata.cluster`.
@dynamicMemberLookup
package protocol SnapshotMetadataCarrying {
    var metadata: SnapshotMetadata { get set }
}

extension SnapshotMetadataCarrying {
    package subscript<T>(dynamicMember keyPath: WritableKeyPath<SnapshotMetadata, T>) -> T {
        get { metadata[keyPath: keyPath] }
        set { metadata[keyPath: keyPath] = newValue }
    }

    package subscript<T>(dynamicMember keyPath: KeyPath<SnapshotMetadata, T>) -> T { metadata[keyPath: keyPath] }
}

/// Everything `collect` learned about one (cluster, build, segment), ready to store: the
/// metadata, whose fields read as the input's own, and the series.
package struct SnapshotInput: SnapshotMetadataCarrying, Sendable {
    package var metadata: SnapshotMetadata
    /// Points of the grid that count (not left out for the build): the denominator of coverage.
    package var included: GridMask
    /// One series per (component, resource), each with a value per grid point.
    package var components: [ComponentSeries]
    package var containers: [ContainerSummary]

    package init(metadata: SnapshotMetadata, included: GridMask, components: [ComponentSeries], containers: [ContainerSummary]) {
        precondition(included.count == metadata.grid.count, "the included mask must cover the grid")
        self.metadata = metadata
        self.included = included
        self.components = components
        self.containers = containers
    }

    /// Points of the grid that count.
    package var includedTimestamps: Int { included.population }
}

extension SnapshotInput {
    /// How many components have a series (CPU, memory or both) in this snapshot.
    package var componentCount: Int { Set(components.map(\.component.name)).count }

    /// The platform total's coverage: the share of included timestamps at which the summed CPU
    /// of the platform has a value (every component present, see ``combineSeries``). Nil when
    /// the segment includes no timestamp (everything left out).
    package var totalCPUCoverage: Double? {
        guard includedTimestamps > 0 else { return nil }
        let total = platformTotal(components, resource: .cpu, count: metadata.grid.count, included: included)
        return Double(total.values.filter { !$0.isNaN }.count) / Double(includedTimestamps)
    }
}

/// Sums series point by point under the rule that a sum lacking a member is no sum.
///
/// A series takes part from its first to its last point with a value or left out (its span):
/// before and after, its component does not run (a job that finished, a component that came up
/// mid-window) and is not missing. At a point of `included` (every point when nil), among the
/// series whose span holds it: a value where every one has a value; no value (NaN) where none
/// has one, as in a scrape gap; left out (NaN, and set in the returned mask) where some have a
/// value and others have none, or where any is left out. Points outside `included` are NaN and
/// not left out. Series are added in the order given, so callers that want the same doubles in
/// every run pass them in a fixed order.
package func combineSeries(
    _ series: [ComponentSeries], count: Int, included: GridMask? = nil
) -> (
    values: [Double], leftOut: GridMask
) {
    if let included { precondition(included.count == count, "the included mask must cover the grid") }
    var values = [Double](repeating: .nan, count: count)
    var leftOut = GridMask(count: count)
    guard !series.isEmpty else { return (values, leftOut) }
    for s in series { precondition(s.values.count == count && s.leftOut.count == count, "series of different lengths") }
    let spans = series.map(\.span)
    for i in 0..<count where included?[i] ?? true {
        var sum = 0.0
        var present = 0
        var active = 0
        var incomplete = false
        for (s, span) in zip(series, spans) {
            guard let span, span.contains(i) else { continue }
            active += 1
            if s.leftOut[i] {
                incomplete = true
                break
            }
            let v = s.values[i]
            if v.isFinite {
                sum += v
                present += 1
            }
        }
        if incomplete || (present > 0 && present < active) {
            leftOut[i] = true
        } else if present > 0 {
            values[i] = sum
        }
    }
    return (values, leftOut)
}

extension ComponentSeries {
    /// From the first to the last point with a value or left out; nil when there is none.
    package var span: ClosedRange<Int>? {
        let hasData = { (i: Int) in self.values[i].isFinite || self.leftOut[i] }
        guard let first = values.indices.first(where: hasData), let last = values.indices.last(where: hasData) else { return nil }
        return first...last
    }
}

/// The platform total of `resource` over a snapshot's components (see ``combineSeries``), with
/// components in a fixed order so that every process adds them the same way.
package func platformTotal(
    _ components: [ComponentSeries], resource: Resource, count: Int, included: GridMask? = nil
) -> (
    values: [Double], leftOut: GridMask
) {
    let members = components.filter { $0.resource == resource }.sorted { $0.component < $1.component }
    return combineSeries(members, count: count, included: included)
}

/// The version of fedreport, stored in every snapshot and printed in reports.
package let fedreportVersion = "0.1.0"
