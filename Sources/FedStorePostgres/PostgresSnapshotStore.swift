import FedCore
import FedStoreCore
import Foundation
import PostgresNIO

/// The snapshot store in a PostgreSQL database, for teams: several runners collect into it at
/// once and everyone reads from it.
///
/// Same logical schema, same rules and same answers as the SQLite `SnapshotStore`. A write (a
/// collect run, a push) is one transaction. Instead of the file lock, a collect claims each of
/// its (cluster, window) pairs with `pg_advisory_xact_lock` when its transaction starts, in one
/// sorted order so that two runs cannot deadlock on them; every snapshot written also takes a
/// transaction lock on its own (cluster, build, start, end, step), so that runs over different
/// windows whose snapshots coincide, and pushes, apply the replace rules one after the other.
/// The server releases every lock when the transaction ends, also when the process is killed.
package final class PostgresSnapshotStore: SnapshotStoring, @unchecked Sendable {
    package static var schemaVersion: Int { PostgresSchema.version }

    package let url: PostgresURL
    package let readOnly: Bool
    package var location: String { url.description }
    private let session: PostgresSession
    private let lock = NSLock()
    /// The schema the database is at: the current one once a writer migrated it, possibly an
    /// older readable one for a reader, whose missing columns read as NULL.
    private var schema = PostgresSchema.version

    /// Connects to the database at `url` with `password`.
    ///
    /// Unless `readOnly`, creates the schema in an empty database and migrates an older one, in
    /// one transaction under an advisory lock (so concurrent first runs migrate once). A schema
    /// written by a newer fedreport is refused before anything changes. With `readOnly`, the
    /// session is read-only and a database without fedreport's tables is an error that says to
    /// run `fedreport collect` first.
    package init(url: PostgresURL, password: String?, readOnly: Bool = false, applicationName: String = "fedreport") throws {
        self.url = url
        self.readOnly = readOnly
        session = try PostgresSession(url: url, password: password, applicationName: applicationName)
        do {
            if readOnly {
                try session.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                let found = try Self.schemaVersion(session)
                if found > PostgresSchema.version {
                    throw StoreError.newerDatabase(path: location, found: found, supported: PostgresSchema.version)
                }
                if found < PostgresSchema.oldestReadable {
                    throw StoreError.olderDatabase(path: location, found: found, supported: PostgresSchema.version)
                }
                schema = found
            } else {
                try migrate()
            }
        } catch {
            session.close()
            throw PostgresErrors.map(error, location: url.description, operation: "open the database")
        }
    }

    /// The highest applied migration, 0 when the database has no `schema_version` table.
    private static func schemaVersion(_ session: PostgresSession) throws -> Int {
        let exists = try session.rows("SELECT to_regclass('schema_version') IS NOT NULL")
        guard try exists.first?[0].decode(Bool.self) == true else { return 0 }
        return try session.rows("SELECT coalesce(max(version), 0) FROM schema_version").first?[0].decode(Int.self) ?? 0
    }

    private func migrate() throws {
        try session.transaction {
            try session.query("SELECT pg_advisory_xact_lock(hashtextextended('fedreport schema', 0))")
            let found = try Self.schemaVersion(session)
            if found > PostgresSchema.version {
                throw StoreError.newerDatabase(path: location, found: found, supported: PostgresSchema.version)
            }
            guard found < PostgresSchema.version else { return }
            try session.query(PostgresSchema.createVersionTable)
            for migration in PostgresSchema.migrations where migration.version > found {
                for statement in migration.statements { try session.query(statement) }
                var binds = PostgresBindings()
                binds.append(migration.version)
                binds.append(migration.name)
                try session.query("INSERT INTO schema_version (version, name) VALUES ($1, $2)", binds)
            }
        }
    }

    /// Closes the connection; later calls fail.
    package func close() throws {
        lock.lock()
        defer { lock.unlock() }
        session.close()
    }

    private func perform<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try body()
        } catch {
            throw PostgresErrors.map(error, location: location, operation: operation)
        }
    }

    // MARK: - Writing

    package func write(
        _ next: () throws -> [StoredSnapshot]?, saved: ([SaveOutcome]) -> Void, options: WriteOptions
    ) throws -> [SaveOutcome] {
        if readOnly { throw StoreError.readOnlyStore(path: location) }
        lock.lock()
        defer { lock.unlock() }
        return try SaveRules.passingProducerErrors(
            next, wrap: { PostgresErrors.map($0, location: self.location, operation: "save snapshots") }
        ) { pull in
            try session.transaction {
                if let claim = options.claim { try self.take(claim) }
                for querySet in options.querySets { try self.record(querySet) }
                var outcomes: [SaveOutcome] = []
                while let batch = try pull() {
                    let batchOutcomes = try batch.map { try self.save($0, options: options) }
                    saved(batchOutcomes)
                    outcomes += batchOutcomes
                }
                return outcomes
            }
        }
    }

    /// Takes the transaction's advisory locks on the claim's (cluster, window) pairs, in sorted
    /// order; without `wait`, fails at once naming the holder of the first one that is taken.
    private func take(_ claim: CollectClaim) throws {
        for cluster in Set(claim.clusters).sorted() {
            var binds = PostgresBindings()
            // U+001F (unit separator) between the parts: text cannot hold NUL.
            binds.append("fedreport collect\u{1F}\(cluster)\u{1F}\(claim.grid.start)\u{1F}\(claim.grid.end)\u{1F}\(claim.grid.step)")
            if claim.wait {
                try session.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", binds)
                continue
            }
            let taken = try session.rows("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", binds)
            if try taken.first?[0].decode(Bool.self) == true { continue }
            throw StoreError.claimHeld(path: location, cluster: cluster, holder: try holder(of: binds))
        }
    }

    /// Who holds the advisory lock on the key in `binds`: application name, server pid and,
    /// where this role may see it, the client's address.
    private func holder(of binds: PostgresBindings) throws -> String? {
        let rows = try session.rows(
            """
            SELECT a.application_name AS application, host(a.client_addr) AS address, a.pid
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::oid
              AND l.objid = (hashtextextended($1, 0) & 4294967295)::oid
            LIMIT 1
            """, binds)
        guard let holder = try rows.first?.decode(LockHolder.self, table: "pg_stat_activity", location: location) else { return nil }
        return "\(holder.application.isEmpty ? "a session" : holder.application), server process \(holder.pid)"
            + (holder.address.map { ", from \($0)" } ?? "")
    }

    /// The session holding an advisory lock, as `pg_stat_activity` shows it.
    private struct LockHolder: Decodable {
        var application: String
        /// The client's address; PostgreSQL shows other roles' addresses to privileged roles only.
        var address: String?
        var pid: Int
    }

    private func record(_ querySet: QuerySetRecord) throws {
        var binds = PostgresBindings()
        binds.append(querySet.hash)
        binds.append(querySet.folder)
        binds.append(try querySet.encodedDefinitions())
        binds.append(Int64(Date().timeIntervalSince1970 * 1000))
        try session.query(
            "INSERT INTO query_set (hash, folder, definitions, first_seen_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
            binds)
    }

    private func save(_ snapshot: StoredSnapshot, options: WriteOptions) throws -> SaveOutcome {
        let r = snapshot.record
        if let reason = SaveRules.problem(snapshot) {
            throw StoreError.invalidSnapshot(path: location, cluster: r.cluster, build: r.build, reason: reason)
        }
        var key = PostgresBindings()
        key.append(r.cluster)
        key.append(r.build)
        key.append(r.start)
        key.append(r.end)
        key.append(r.step)
        try session.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('fedreport snapshot' || chr(1) || $1 || chr(1) || $2 || chr(1) || $3::text || chr(1) || $4::text || chr(1) || $5::text, 0))",
            key)
        let existing = try session.rows(
            """
            SELECT id, partial, measurement_hash AS "measurementHash", collected_at_ms AS "collectedAt" FROM snapshot
            WHERE cluster = $1 AND build = $2 AND start_ms = $3 AND end_ms = $4 AND step_ms = $5
            """, key
        ).first.map { try $0.decode(SaveRules.Existing.self, table: "snapshot", location: location) }
        var replacedID: Int64?
        switch SaveRules.decide(existing: existing, incoming: r, skipAlreadyStored: options.skipAlreadyStored) {
        case .keep(let outcome): return outcome
        case .insert: break
        case .replace(let oldID):
            var binds = PostgresBindings()
            binds.append(oldID)
            // Series and container summaries go with it (ON DELETE CASCADE).
            try session.query("DELETE FROM snapshot WHERE id = $1", binds)
            replacedID = oldID
        }
        let id = try insert(try SnapshotRow(snapshot))
        try insertSeries(snapshot.components.map { try ComponentSeriesRow(snapshotID: id, $0) })
        try insertContainers(snapshot.containers.map { ContainerSummaryRow(snapshotID: id, $0) })
        return replacedID.map { .replaced(oldID: $0, newID: id) } ?? .inserted(id: id)
    }

    private func insert(_ row: SnapshotRow) throws -> Int64 {
        var binds = PostgresBindings(capacity: 28)
        binds.append(row.cluster)
        binds.append(row.distribution)
        binds.append(row.build)
        binds.append(row.startMs)
        binds.append(row.endMs)
        binds.append(row.stepMs)
        binds.append(row.includedTimestamps)
        binds.append(row.querySetHash)
        binds.append(row.querierURL)
        binds.append(row.serverBuild)
        binds.append(row.fedreportVersion)
        binds.append(row.leftOutNoVersion)
        binds.append(row.leftOutMultipleVersions)
        binds.append(row.leftOutSettling)
        binds.append(row.leftOutNonFiniteSamples)
        binds.append(row.warnings)
        binds.append(row.partial)
        binds.append(row.collectedAtMs)
        binds.append(row.noData)
        try binds.append(row.includedMask)
        binds.append(row.measurementHash ?? "")
        binds.append(row.leftOutUpgrading ?? 0)
        binds.append(row.leftOutIncompleteTotals ?? 0)
        binds.append(row.offGridPoints ?? 0)
        binds.append(row.payloadCreatedMs)
        binds.append(row.nodeCount)
        binds.append(row.nodeRoles)
        let rows = try session.rows(
            "INSERT INTO snapshot (\(Self.snapshotColumns.dropFirst().joined(separator: ", "))) VALUES ("
                + (1..<Self.snapshotColumns.count).map { "$\($0)" }.joined(separator: ", ") + ") RETURNING id", binds)
        guard let id = try rows.first?[0].decode(Int64.self) else {
            throw StoreError.postgres(path: location, operation: "insert a snapshot", sqlState: nil, detail: "no id came back")
        }
        return id
    }

    /// Multi-row inserts, in statements of at most `rowsPerStatement` rows (PostgreSQL takes at
    /// most 65,535 parameters in one statement). Kept small: each statement's parameters are
    /// copied into PostgresNIO's buffers and again onto the wire, so one statement of a whole
    /// cluster-day (2 MB of series) raised collect's peak RSS by 7 MB over 10 clusters; 16 series
    /// rows a statement cost no measurable time.
    private func insertRows<Row>(
        _ rows: [Row], table: String, columns: [String], rowsPerStatement: Int, bind: (Row, inout PostgresBindings) throws -> Void
    ) throws {
        for first in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            let slice = rows[first..<min(first + rowsPerStatement, rows.count)]
            var binds = PostgresBindings(capacity: slice.count * columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(slice.count)
            for row in slice {
                let base = binds.count
                try bind(row, &binds)
                tuples.append("(" + (1...columns.count).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            }
            try session.query(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", "), binds)
        }
    }

    private func insertSeries(_ rows: [ComponentSeriesRow]) throws {
        try insertRows(
            rows, table: "component_series",
            columns: ["snapshot_id", "component", "category", "resource", "members", "values_f64le", "left_out_mask"],
            rowsPerStatement: 16
        ) { r, binds in
            binds.append(r.snapshotID)
            binds.append(r.component)
            binds.append(r.category)
            binds.append(r.resource)
            binds.append(r.members)
            try binds.append(r.values)
            try binds.append(r.leftOutMask)
        }
    }

    private func insertContainers(_ rows: [ContainerSummaryRow]) throws {
        try insertRows(
            rows, table: "container_summary",
            columns: [
                "snapshot_id", "namespace", "pod", "container", "component", "resource", "mean", "min", "p50", "p90", "p95",
                "p99", "max", "samples", "coverage",
            ],
            rowsPerStatement: 200
        ) { r, binds in
            binds.append(r.snapshotID)
            binds.append(r.namespace)
            binds.append(r.pod)
            binds.append(r.container)
            binds.append(r.component)
            binds.append(r.resource)
            for value in [r.mean, r.min, r.p50, r.p90, r.p95, r.p99, r.max] { binds.append(value) }
            binds.append(r.samples)
            binds.append(r.coverage)
        }
    }

    // MARK: - Reading

    /// The columns of `snapshot` in `SnapshotRow` order.
    static let snapshotColumns = SnapshotRow.columns

    package func snapshots(_ filter: SnapshotFilter) throws -> [SnapshotRecord] {
        var conditions: [String] = []
        var binds = PostgresBindings()
        if let build = filter.build {
            binds.append(build)
            conditions.append("build = $\(binds.count)")
        }
        if let distribution = filter.distribution {
            binds.append(distribution)
            conditions.append("distribution = $\(binds.count)")
        }
        if !filter.clusters.isEmpty {
            binds.append(filter.clusters)
            conditions.append("cluster = ANY($\(binds.count))")
        }
        if let since = filter.since {
            binds.append(since)
            conditions.append("end_ms >= $\(binds.count)")
        }
        if let until = filter.until {
            binds.append(until)
            conditions.append("start_ms <= $\(binds.count)")
        }
        let sql =
            "SELECT \(readableColumns.joined(separator: ", ")) FROM snapshot"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            // Byte order for names, as SQLite sorts them, whatever the database's collation.
            + " ORDER BY start_ms, cluster COLLATE \"C\", id"
        return try perform("read snapshots") {
            try session.rows(sql, binds).map {
                try $0.decode(SnapshotRow.self, table: "snapshot", location: location).record(location: location)
            }
        }
    }

    /// ``snapshotColumns`` as this database can answer them: the columns of schema 4 (payload
    /// time, node count and roles) are NULL in a database a reader found at schema 3.
    private var readableColumns: [String] {
        guard schema < 4 else { return Self.snapshotColumns }
        let missing = ["payload_created_ms": "BIGINT", "node_count": "BIGINT", "node_roles": "TEXT"]
        return Self.snapshotColumns.map { column in missing[column].map { "NULL::\($0) AS \(column)" } ?? column }
    }

    package func builds() throws -> [BuildInfo] {
        try perform("read builds") {
            let rows = try session.rows(
                """
                SELECT build, distribution, cluster, count(*) AS n, min(start_ms) AS first, max(end_ms) AS last,
                    \(schema < 4 ? "NULL::BIGINT" : "min(payload_created_ms)") AS payload
                FROM snapshot GROUP BY build, distribution, cluster
                """)
            return BuildInfo.aggregate(try rows.map { try $0.decode(BuildRow.self, table: "snapshot", location: location) })
        }
    }

    package func componentSeries(snapshotIDs: [Int64]) throws -> [Int64: [ComponentSeries]] {
        var binds = PostgresBindings()
        binds.append(Array(Set(snapshotIDs)))
        return try perform("read component series") {
            // One snapshot of the database for both statements: a replace committed between them
            // cannot leave series without their snapshot.
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ") {
                var points: [Int64: Int] = [:]
                let grids = "SELECT id, start_ms AS start, end_ms AS \"end\", step_ms AS step FROM snapshot WHERE id = ANY($1)"
                for row in try session.rows(grids, binds) {
                    let grid = try row.decode(SnapshotGrid.self, table: "snapshot", location: location)
                    points[grid.id] = TimeGrid(start: grid.start, end: grid.end, step: grid.step).count
                }
                var result = points.mapValues { _ in [ComponentSeries]() }
                let rows = try session.rows(
                    """
                    SELECT \(ComponentSeriesRow.columns.joined(separator: ", "))
                    FROM component_series WHERE snapshot_id = ANY($1) ORDER BY id
                    """, binds)
                for c in rows {
                    let row = try c.decode(ComponentSeriesRow.self, table: "component_series", location: location)
                    result[row.snapshotID, default: []].append(try row.series(location: location, points: points[row.snapshotID]))
                }
                return result
            }
        }
    }

    package func containers(snapshotIDs: [Int64]) throws -> [Int64: [ContainerSummary]] {
        var binds = PostgresBindings()
        binds.append(Array(Set(snapshotIDs)))
        return try perform("read container summaries") {
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ") {
                var result: [Int64: [ContainerSummary]] = [:]
                for row in try session.rows("SELECT id FROM snapshot WHERE id = ANY($1)", binds) {
                    result[try row[0].decode(Int64.self)] = []
                }
                let rows = try session.rows(
                    """
                    SELECT \(ContainerSummaryRow.columns.joined(separator: ", "))
                    FROM container_summary WHERE snapshot_id = ANY($1) ORDER BY id
                    """, binds)
                for c in rows {
                    let row = try c.decode(ContainerSummaryRow.self, table: "container_summary", location: location)
                    result[row.snapshotID, default: []].append(try row.summary(location: location))
                }
                return result
            }
        }
    }

    package func querySet(hash: String) throws -> QuerySetRecord? {
        var binds = PostgresBindings()
        binds.append(QuerySetRecord.prefixPattern(hash))
        let rows = try readQuerySets("WHERE hash LIKE $1 ESCAPE '\\' LIMIT 2", binds)
        return rows.count == 1 ? rows[0] : nil
    }

    package func querySets() throws -> [QuerySetRecord] {
        try readQuerySets("ORDER BY hash COLLATE \"C\"", PostgresBindings())
    }

    private func readQuerySets(_ clause: String, _ binds: PostgresBindings) throws -> [QuerySetRecord] {
        try perform("read query sets") {
            try session.rows("SELECT hash, folder, definitions FROM query_set " + clause, binds).map {
                let row = try $0.decode(QuerySetRow.self, table: "query_set", location: location)
                return QuerySetRecord(
                    hash: row.hash, folder: row.folder, definitions: try QuerySetRecord.decodeDefinitions(row.definitions))
            }
        }
    }

    /// A snapshot's grid, as `componentSeries` reads it.
    private struct SnapshotGrid: Decodable {
        var id: Int64
        var start: Int64
        var end: Int64
        var step: Int64
    }

    /// A row of `query_set`, its definitions still JSON text.
    private struct QuerySetRow: Decodable {
        var hash: String
        var folder: String
        var definitions: String
    }
}
