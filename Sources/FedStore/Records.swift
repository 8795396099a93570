import FedCore
import Foundation
import GRDB

// One Codable record per table. They mirror the latest schema; the public model types
// (`SnapshotRecord`, `ComponentSeries`, `ContainerSummary`) are built from them.

/// A row of `snapshot`.
struct SnapshotRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "snapshot"

    var id: Int64?
    var cluster: String
    var distribution: String
    var build: String
    var startMs: Int64
    var endMs: Int64
    var stepMs: Int64
    var includedTimestamps: Int
    var querySetHash: String
    var querierURL: String
    var serverBuild: String?
    var fedreportVersion: String
    var leftOutNoVersion: Int
    var leftOutMultipleVersions: Int
    var leftOutSettling: Int
    var leftOutNonFiniteSamples: Int
    /// JSON array of strings.
    var warnings: String
    var partial: Bool
    var collectedAtMs: Int64
    /// JSON array of strings.
    var noData: String
    // Added in schema 3; nil when read from an older file.
    var includedMask: Data?
    var measurementHash: String?
    var leftOutUpgrading: Int?
    var leftOutIncompleteTotals: Int?
    var offGridPoints: Int?

    enum CodingKeys: String, CodingKey {
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
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let cluster = Column(CodingKeys.cluster)
        static let distribution = Column(CodingKeys.distribution)
        static let build = Column(CodingKeys.build)
        static let startMs = Column(CodingKeys.startMs)
        static let endMs = Column(CodingKeys.endMs)
        static let stepMs = Column(CodingKeys.stepMs)
        static let partial = Column(CodingKeys.partial)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `component_series`.
struct ComponentSeriesRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "component_series"

    var id: Int64?
    var snapshotID: Int64
    var component: String
    var category: String
    var resource: String
    /// JSON array of strings.
    var members: String
    /// Little-endian Float64 per grid point.
    var values: Data
    /// A bit per grid point where the component is left out; nil when none is (or before schema 3).
    var leftOutMask: Data?

    enum CodingKeys: String, CodingKey {
        case id
        case snapshotID = "snapshot_id"
        case component, category, resource, members
        case values = "values_f64le"
        case leftOutMask = "left_out_mask"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let snapshotID = Column(CodingKeys.snapshotID)
        static let component = Column(CodingKeys.component)
        static let resource = Column(CodingKeys.resource)
        static let members = Column(CodingKeys.members)
    }

    /// The bulk insert, run through a cached statement.
    static let insertSQL = """
        INSERT INTO component_series (snapshot_id, component, category, resource, members, values_f64le, left_out_mask)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
}

/// A row of `container_summary`. The statistics are optional because SQLite stores NaN as NULL.
struct ContainerSummaryRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "container_summary"

    var id: Int64?
    var snapshotID: Int64
    var namespace: String
    var pod: String
    var container: String
    var component: String
    var resource: String
    var mean: Double?
    var min: Double?
    var p50: Double?
    var p90: Double?
    var p95: Double?
    var p99: Double?
    var max: Double?
    var samples: Int
    var coverage: Double?

    enum CodingKeys: String, CodingKey {
        case id
        case snapshotID = "snapshot_id"
        case namespace, pod, container, component, resource
        case mean, min, p50, p90, p95, p99, max, samples, coverage
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let snapshotID = Column(CodingKeys.snapshotID)
    }

    /// The bulk insert, run through a cached statement.
    static let insertSQL = """
        INSERT INTO container_summary
            (snapshot_id, namespace, pod, container, component, resource,
             mean, min, p50, p90, p95, p99, max, samples, coverage)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
}

// MARK: - Value codecs

/// Grid values as a compact BLOB: 8 bytes per point, little-endian IEEE 754, bit patterns kept
/// (so NaN stays NaN, with its payload).
enum Float64LE {
    static func encode(_ values: [Double]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Nil when the length is not a multiple of 8.
    static func decode(_ data: Data) -> [Double]? {
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
enum StringList {
    static func encode(_ list: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
    }

    static func decode(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}

/// NaN is stored as NULL by SQLite; these keep the two ends of that mapping together.
extension Double {
    var nanAsNil: Double? { isNaN ? nil : self }
}

extension Optional where Wrapped == Double {
    var nilAsNaN: Double { self ?? .nan }
}
