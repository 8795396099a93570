import FedStoreCore
import GRDB

// The row types of FedStoreCore as GRDB records: fetched and inserted through their Codable
// conformance, by the column names their coding keys give.

extension SnapshotRow: FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "snapshot"

    package enum Columns {
        static let id = Column(CodingKeys.id)
        static let cluster = Column(CodingKeys.cluster)
        static let distribution = Column(CodingKeys.distribution)
        static let build = Column(CodingKeys.build)
        static let startMs = Column(CodingKeys.startMs)
        static let endMs = Column(CodingKeys.endMs)
        static let stepMs = Column(CodingKeys.stepMs)
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ComponentSeriesRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "component_series"

    package enum Columns {
        static let id = Column(CodingKeys.id)
        static let snapshotID = Column(CodingKeys.snapshotID)
    }

    /// The bulk insert, run through a cached statement.
    static let insertSQL = """
        INSERT INTO component_series (snapshot_id, component, category, resource, members, values_f64le, left_out_mask)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
}

extension ContainerSummaryRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "container_summary"

    package enum Columns {
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

extension BuildRow: FetchableRecord {}
