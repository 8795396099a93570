import FedCore
import FedStoreCore
import Foundation
import GRDB
import Testing

@testable import FedStoreSQLite

@Suite("Schema migrations")
struct MigrationTests {
    /// A database as fedreport with schema 1 left it, with one snapshot written by hand.
    func schemaOneDatabase() throws -> String {
        let folder = NSTemporaryDirectory() + "fedreport-migration-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO snapshot (cluster, distribution, build, start_ms, end_ms, step_ms, included_timestamps,
                        query_set_hash, querier_url, server_build, fedreport_version, left_out_no_version,
                        left_out_multiple_versions, left_out_settling, left_out_non_finite_samples, warnings, partial,
                        collected_at_ms, no_data)
                    VALUES ('c0', 'ocp', '4.6.1', 0, 60000, 30000, 3, 'abc', 'http://q', NULL, '0.0.9', 0, 0, 0, 0, '[]', 0, 5, '[]')
                    """)
            // 3 points: 0.5, NaN, 1.5 as little-endian doubles.
            var blob = Data()
            for v in [0.5, Double.nan, 1.5] { withUnsafeBytes(of: v.bitPattern.littleEndian) { blob.append(contentsOf: $0) } }
            try db.execute(
                sql:
                    "INSERT INTO component_series (snapshot_id, component, category, resource, members, values_f64le) VALUES (1, 'etcd', 'control-plane', 'cpu', '[\"openshift-etcd\"]', ?)",
                arguments: [blob])
        }
        try queue.close()
        return path
    }

    func userVersion(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } ?? -1
    }

    @Test("a schema-1 database is read as it is, and migrated when a collect opens it, its snapshots intact")
    func migrateFromOne() throws {
        let path = try schemaOneDatabase()
        #expect(try userVersion(path) == 1)
        // compare and report read it without migrating.
        let reader = try SnapshotStore(path: path, readOnly: true)
        #expect(try reader.snapshots().map(\.build) == ["4.6.1"])
        #expect(try reader.querySet(hash: "abc") == nil)
        // Columns added later are read as their absence: no mask, nothing left out, no hash.
        let old = try #require(try reader.snapshots().first)
        #expect(old.included == nil && old.measurementHash == "" && old.offGridPoints == 0 && old.leftOut.upgrading == 0)
        #expect(old.payloadCreated == nil && old.nodes == nil)
        // builds reads it too: no payload times there.
        #expect(try reader.builds().map { "\($0.build) \($0.payloadCreated.map(String.init) ?? "none")" } == ["4.6.1 none"])
        let oldSeries = try #require(try reader.componentSeries(snapshotIDs: [old.id])[old.id]?.first)
        #expect(oldSeries.values[0] == 0.5 && oldSeries.values[1].isNaN && oldSeries.leftOut.isEmpty)
        try reader.close()
        #expect(try userVersion(path) == 1)
        // collect opens it for writing: migrated to the current schema.
        let writer = try SnapshotStore(path: path)
        #expect(try userVersion(path) == SnapshotStore.schemaVersion)
        let snapshot = try #require(try writer.snapshots().first)
        #expect(snapshot.cluster == "c0" && snapshot.includedTimestamps == 3)
        let series = try #require(try writer.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id]?.first)
        #expect(series.values[0] == 0.5 && series.values[1].isNaN && series.values[2] == 1.5)
        #expect(series.members == ["openshift-etcd"])
        // The new table works: a query set recorded with a run comes back by hash prefix.
        let record = QuerySetRecord(
            hash: "abcdef0123", folder: "/q",
            definitions: [.init(name: "container-cpu", resource: "cpu", distributions: ["*"], promql: "rate(x[5m])")])
        _ = try writer.save(streaming: { nil }, querySet: record)
        #expect(try writer.querySet(hash: "abcdef") == record)
        #expect(try writer.querySet(hash: "zzz") == nil)
        try writer.close()
    }

    @Test("a failed migration leaves the file as it was")
    func failedMigrationRollsBack() throws {
        let path = try schemaOneDatabase()
        // Something already occupies the name the next migration creates: it fails half way.
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE query_set (x INTEGER)") }
        try queue.close()
        #expect(throws: StoreError.self) { try SnapshotStore(path: path) }
        #expect(try userVersion(path) == 1)
        let reader = try SnapshotStore(path: path, readOnly: true)
        #expect(try reader.snapshots().count == 1)
        try reader.close()
    }
}
