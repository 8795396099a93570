import FedCore
import Foundation

// One plain Codable struct per table, whose coding keys are the column names. They mirror the
// latest schema; the package model types (`SnapshotRecord`, `ComponentSeries`,
// `ContainerSummary`) are built from them, here, for every backend: the SQLite store reads them
// through GRDB (whose record protocols the SQLite target adds to them), the PostgreSQL store
// through its own decoder by column name (`PostgresRowDecoder`), so that a row means the same,
// and a damaged one fails the same, on both.

/// A row of `snapshot`.
package struct SnapshotRow: Codable, Sendable {
    package var id: Int64?
    package var cluster: String
    package var distribution: String
    package var build: String
    package var startMs: Int64
    package var endMs: Int64
    package var stepMs: Int64
    package var includedTimestamps: Int
    package var querySetHash: String
    package var querierURL: String
    package var serverBuild: String?
    package var fedreportVersion: String
    package var leftOutNoVersion: Int
    package var leftOutMultipleVersions: Int
    package var leftOutSettling: Int
    package var leftOutNonFiniteSamples: Int
    /// JSON array of strings.
    package var warnings: String
    package var partial: Bool
    package var collectedAtMs: Int64
    /// JSON array of strings.
    package var noData: String
    // Added in schema 3; nil when read from an older file.
    package var includedMask: Data?
    package var measurementHash: String?
    package var leftOutUpgrading: Int?
    package var leftOutIncompleteTotals: Int?
    package var offGridPoints: Int?
    // Added in schema 4; nil when unknown or read from an older file.
    package var payloadCreatedMs: Int64?
    package var nodeCount: Int?
    /// JSON object: role → nodes, and `source`.
    package var nodeRoles: String?

    package init(
        id: Int64?, cluster: String, distribution: String, build: String, startMs: Int64, endMs: Int64, stepMs: Int64,
        includedTimestamps: Int, querySetHash: String, querierURL: String, serverBuild: String?, fedreportVersion: String,
        leftOutNoVersion: Int, leftOutMultipleVersions: Int, leftOutSettling: Int, leftOutNonFiniteSamples: Int,
        warnings: String, partial: Bool, collectedAtMs: Int64, noData: String, includedMask: Data?,
        measurementHash: String?, leftOutUpgrading: Int?, leftOutIncompleteTotals: Int?, offGridPoints: Int?,
        payloadCreatedMs: Int64?, nodeCount: Int?, nodeRoles: String?
    ) {
        self.id = id
        self.cluster = cluster
        self.distribution = distribution
        self.build = build
        self.startMs = startMs
        self.endMs = endMs
        self.stepMs = stepMs
        self.includedTimestamps = includedTimestamps
        self.querySetHash = querySetHash
        self.querierURL = querierURL
        self.serverBuild = serverBuild
        self.fedreportVersion = fedreportVersion
        self.leftOutNoVersion = leftOutNoVersion
        self.leftOutMultipleVersions = leftOutMultipleVersions
        self.leftOutSettling = leftOutSettling
        self.leftOutNonFiniteSamples = leftOutNonFiniteSamples
        self.warnings = warnings
        self.partial = partial
        self.collectedAtMs = collectedAtMs
        self.noData = noData
        self.includedMask = includedMask
        self.measurementHash = measurementHash
        self.leftOutUpgrading = leftOutUpgrading
        self.leftOutIncompleteTotals = leftOutIncompleteTotals
        self.offGridPoints = offGridPoints
        self.payloadCreatedMs = payloadCreatedMs
        self.nodeCount = nodeCount
        self.nodeRoles = nodeRoles
    }

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case id, cluster, distribution, build
        case startMs = "start_ms"
        case endMs = "end_ms"
        case stepMs = "step_ms"
        case includedTimestamps = "included_timestamps"
        case querySetHash = "query_set_hash"
        case querierURL = "querier_url"
        case serverBuild = "server_build"
        case fedreportVersion = "fedreport_version"
        case leftOutNoVersion = "left_out_no_version"
        case leftOutMultipleVersions = "left_out_multiple_versions"
        case leftOutSettling = "left_out_settling"
        case leftOutNonFiniteSamples = "left_out_non_finite_samples"
        case warnings, partial
        case collectedAtMs = "collected_at_ms"
        case noData = "no_data"
        case includedMask = "included_mask"
        case measurementHash = "measurement_hash"
        case leftOutUpgrading = "left_out_upgrading"
        case leftOutIncompleteTotals = "left_out_incomplete_totals"
        case offGridPoints = "off_grid_points"
        case payloadCreatedMs = "payload_created_ms"
        case nodeCount = "node_count"
        case nodeRoles = "node_roles"
    }

    /// The table's columns, in the order of the row's properties.
    package static let columns = CodingKeys.allCases.map(\.rawValue)
}

/// A row of `component_series`.
package struct ComponentSeriesRow: Codable, Sendable {
    package var id: Int64?
    package var snapshotID: Int64
    package var component: String
    package var category: String
    package var resource: String
    /// JSON array of strings.
    package var members: String
    /// Little-endian Float64 per grid point.
    package var values: Data
    /// A bit per grid point where the component is left out; nil when none is (or before schema 3).
    package var leftOutMask: Data?

    package init(
        id: Int64?, snapshotID: Int64, component: String, category: String, resource: String, members: String, values: Data,
        leftOutMask: Data?
    ) {
        self.id = id
        self.snapshotID = snapshotID
        self.component = component
        self.category = category
        self.resource = resource
        self.members = members
        self.values = values
        self.leftOutMask = leftOutMask
    }

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case snapshotID = "snapshot_id"
        case component, category, resource, members
        case values = "values_f64le"
        case leftOutMask = "left_out_mask"
    }

    /// The table's columns, in the order of the row's properties.
    package static let columns = CodingKeys.allCases.map(\.rawValue)
}

/// A row of `container_summary`. The statistics are optional because SQLite stores NaN as NULL.
package struct ContainerSummaryRow: Codable, Sendable {
    package var id: Int64?
    package var snapshotID: Int64
    package var namespace: String
    package var pod: String
    package var container: String
    package var component: String
    package var resource: String
    package var mean: Double?
    package var min: Double?
    package var p50: Double?
    package var p90: Double?
    package var p95: Double?
    package var p99: Double?
    package var max: Double?
    package var samples: Int
    package var coverage: Double?

    package init(
        id: Int64?, snapshotID: Int64, namespace: String, pod: String, container: String, component: String,
        resource: String, mean: Double?, min: Double?, p50: Double?, p90: Double?, p95: Double?, p99: Double?,
        max: Double?, samples: Int, coverage: Double?
    ) {
        self.id = id
        self.snapshotID = snapshotID
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.component = component
        self.resource = resource
        self.mean = mean
        self.min = min
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
        self.samples = samples
        self.coverage = coverage
    }

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case snapshotID = "snapshot_id"
        case namespace, pod, container, component, resource
        case mean, min, p50, p90, p95, p99, max, samples, coverage
    }

    /// The table's columns, in the order of the row's properties.
    package static let columns = CodingKeys.allCases.map(\.rawValue)
}

// MARK: - Rows and the model

extension SnapshotRow {
    /// The row that stores `snapshot` (without an id: the store hands one out).
    package init(_ snapshot: StoredSnapshot) throws {
        let r = snapshot.record
        self.init(
            id: nil, cluster: r.cluster, distribution: r.distribution, build: r.build, startMs: r.start, endMs: r.end,
            stepMs: r.step, includedTimestamps: r.includedTimestamps, querySetHash: r.querySetHash,
            querierURL: r.querierURL, serverBuild: r.serverBuild, fedreportVersion: r.fedreportVersion,
            leftOutNoVersion: r.leftOut.noVersion, leftOutMultipleVersions: r.leftOut.multipleVersions,
            leftOutSettling: r.leftOut.settling, leftOutNonFiniteSamples: r.leftOut.nonFiniteSamples,
            warnings: try StringList.encode(r.warnings), partial: r.partial, collectedAtMs: r.collectedAt,
            noData: try StringList.encode(r.noData), includedMask: r.included.map { Data($0.bytes) },
            measurementHash: r.measurementHash, leftOutUpgrading: r.leftOut.upgrading,
            leftOutIncompleteTotals: r.leftOut.incompleteTotals, offGridPoints: r.offGridPoints,
            payloadCreatedMs: r.payloadCreated, nodeCount: r.nodes?.count, nodeRoles: try r.nodes.map(NodeRoles.encode))
    }

    /// The record this row stores; a row that cannot be read is a `StoreError.corruptRow`
    /// naming `location`.
    package func record(location: String) throws -> SnapshotRecord {
        let id = self.id ?? 0
        guard let warnings = StringList.decode(warnings), let noData = StringList.decode(noData) else {
            throw StoreError.corruptRow(
                path: location, table: "snapshot", id: id, reason: "warnings or no_data is not a JSON list of strings")
        }
        var included: GridMask?
        if let data = includedMask {
            let count = TimeGrid(start: startMs, end: endMs, step: stepMs).count
            guard let mask = GridMask(bytes: [UInt8](data), count: count), mask.population == includedTimestamps else {
                throw StoreError.corruptRow(
                    path: location, table: "snapshot", id: id,
                    reason: "included_mask does not hold \(includedTimestamps) set bits over the grid's \(count) points")
            }
            included = mask
        }
        let metadata = SnapshotMetadata(
            cluster: cluster, distribution: distribution, build: build, start: startMs, end: endMs, step: stepMs,
            querySetHash: querySetHash, querierURL: querierURL, serverBuild: serverBuild, fedreportVersion: fedreportVersion,
            leftOut: LeftOutCounts(
                noVersion: leftOutNoVersion, multipleVersions: leftOutMultipleVersions, settling: leftOutSettling,
                upgrading: leftOutUpgrading ?? 0, nonFiniteSamples: leftOutNonFiniteSamples,
                incompleteTotals: leftOutIncompleteTotals ?? 0),
            warnings: warnings, partial: partial, collectedAt: collectedAtMs, noData: noData,
            measurementHash: measurementHash ?? "", offGridPoints: offGridPoints ?? 0, payloadCreated: payloadCreatedMs,
            nodes: try nodeCount.map { count in
                guard let roles = NodeRoles.decode(nodeRoles, count: count) else {
                    throw StoreError.corruptRow(
                        path: location, table: "snapshot", id: id, reason: "node_roles is not a JSON object of role counts and a source")
                }
                return roles
            })
        return SnapshotRecord(id: id, metadata: metadata, includedTimestamps: includedTimestamps, included: included)
    }
}

extension ComponentSeriesRow {
    /// The row that stores `series` of snapshot `snapshotID`.
    package init(snapshotID: Int64, _ series: ComponentSeries) throws {
        self.init(
            id: nil, snapshotID: snapshotID, component: series.component.name, category: series.component.category.rawValue,
            resource: series.resource.rawValue, members: try StringList.encode(series.members),
            values: Float64LE.encode(series.values), leftOutMask: series.leftOut.isEmpty ? nil : Data(series.leftOut.bytes))
    }

    /// The series this row stores, over a grid of `points` points (nil: the row's snapshot is
    /// unknown, which is itself corrupt).
    package func series(location: String, points: Int?) throws -> ComponentSeries {
        func corrupt(_ reason: String) -> StoreError {
            .corruptRow(path: location, table: "component_series", id: id ?? 0, reason: reason)
        }
        guard let category = Category(rawValue: category) else { throw corrupt("unknown category '\(category)'") }
        guard let resource = Resource(rawValue: resource) else { throw corrupt("unknown resource '\(resource)'") }
        guard let members = StringList.decode(members) else { throw corrupt("members is not a JSON list of strings") }
        guard let decoded = Float64LE.decode(values), decoded.count == points else {
            throw corrupt("the values blob holds \(values.count) bytes, not 8 per grid point")
        }
        var leftOut: GridMask?
        if let data = leftOutMask {
            guard let mask = GridMask(bytes: [UInt8](data), count: decoded.count) else {
                throw corrupt("the left-out mask holds \(data.count) bytes, not a bit per grid point")
            }
            leftOut = mask
        }
        return ComponentSeries(
            component: ComponentRef(name: component, category: category), resource: resource, values: decoded,
            leftOut: leftOut, members: members)
    }
}

extension ContainerSummaryRow {
    /// The row that stores `container` of snapshot `snapshotID`; NaN statistics become NULL.
    package init(snapshotID: Int64, _ container: ContainerSummary) {
        let s = container.summary
        self.init(
            id: nil, snapshotID: snapshotID, namespace: container.namespace, pod: container.pod,
            container: container.container, component: container.component, resource: container.resource.rawValue,
            mean: s.mean.nanAsNil, min: s.min.nanAsNil, p50: s.p50.nanAsNil, p90: s.p90.nanAsNil, p95: s.p95.nanAsNil,
            p99: s.p99.nanAsNil, max: s.max.nanAsNil, samples: s.samples, coverage: s.coverage.nanAsNil)
    }

    /// The container summary this row stores.
    package func summary(location: String) throws -> ContainerSummary {
        guard let resource = Resource(rawValue: resource) else {
            throw StoreError.corruptRow(
                path: location, table: "container_summary", id: id ?? 0, reason: "unknown resource '\(self.resource)'")
        }
        return ContainerSummary(
            namespace: namespace, pod: pod, container: container, component: component, resource: resource,
            summary: Summary(
                mean: mean.nilAsNaN, min: min.nilAsNaN, p50: p50.nilAsNaN, p90: p90.nilAsNaN, p95: p95.nilAsNaN,
                p99: p99.nilAsNaN, max: max.nilAsNaN, samples: samples, coverage: coverage.nilAsNaN))
    }
}

// MARK: - Value codecs

/// Grid values as a compact BLOB: 8 bytes per point, little-endian IEEE 754, bit patterns kept
/// (so NaN stays NaN, with its payload).
package enum Float64LE {
    package static func encode(_ values: [Double]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Nil when the length is not a multiple of 8.
    package static func decode(_ data: Data) -> [Double]? {
        guard data.count % 8 == 0 else { return nil }
        let n = data.count / 8
        return data.withUnsafeBytes { raw in
            (0..<n).map { i in
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        }
    }
}

/// Lists of strings as JSON text.
package enum StringList {
    package static func encode(_ list: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
    }

    package static func decode(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}

/// NaN is stored as NULL by SQLite; these keep the two ends of that mapping together.
extension Double {
    package var nanAsNil: Double? { isNaN ? nil : self }
}

extension Optional where Wrapped == Double {
    package var nilAsNaN: Double { self ?? .nan }
}

/// A snapshot's node roles and count source, as the `node_roles` column keeps them.
package enum NodeRoles {
    struct Stored: Codable {
        var roles: [String: Int]
        var source: String
    }

    package static func encode(_ nodes: NodeCount) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(Stored(roles: nodes.roles, source: nodes.source)), as: UTF8.self)
    }

    /// The nodes of a row with `count` nodes; nil when the text is not what `encode` writes.
    package static func decode(_ text: String?, count: Int) -> NodeCount? {
        guard let text else { return NodeCount(count: count, source: "") }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)) else { return nil }
        return NodeCount(count: count, roles: stored.roles, source: stored.source)
    }
}
