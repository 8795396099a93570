import FedCore
import FedStoreCore
import Foundation
import GRDB

/// The snapshot database: one SQLite file (plus its `-wal` and `-shm` companions) in WAL mode, so
/// that reports can read while a collect writes.
///
/// Writers wait up to 5 seconds for a lock held by another process. Two collects must not run at
/// once on one database; take a `CollectLock` around a collect (and around a `push` into it).
package final class SnapshotStore: SnapshotStoring {
    /// The schema version this fedreport writes and reads (`PRAGMA user_version`).
    package static let schemaVersion: Int = Schema.version

    /// The database file.
    package let path: String
    package var location: String { path }
    package let readOnly: Bool
    private let pool: DatabasePool

    /// Opens the database at `path`.
    ///
    /// Unless `readOnly`, creates the file (and its directory) when missing and migrates an older
    /// schema. A database written by a newer fedreport is refused before anything touches it.
    /// With `readOnly`, a missing file or an older schema is an error that tells the user to run
    /// `fedreport collect` first.
    package init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw StoreError.missingDatabase(path: path) }
        do {
            if exists {
                // Probe through a read-only connection first, so that a newer database is refused
                // before the writer switches journal modes or runs migrations on it.
                let probe = try Self.probe(path: path)
                if probe.userVersion > Schema.version || probe.superseded {
                    throw StoreError.newerDatabase(path: path, found: probe.userVersion, supported: Schema.version)
                }
                // Reading needs no migration: any schema from the oldest readable one on will do.
                if readOnly && probe.userVersion < Schema.oldestReadable {
                    throw StoreError.olderDatabase(path: path, found: probe.userVersion, supported: Schema.version)
                }
            } else {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    // Default permissions: the user's umask decides, as it does for the file.
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
            }
            var configuration = GRDB.Configuration()
            configuration.readonly = readOnly
            configuration.busyMode = .timeout(5)
            configuration.label = "fedreport.store"
            pool = try DatabasePool(path: readOnly ? try Self.readingPath(path) : path, configuration: configuration)
            if !readOnly {
                try Schema.migrator.migrate(pool)
                // A newer fedreport may have migrated the file between the probe and here.
                if try pool.read(Schema.migrator.hasBeenSuperseded) {
                    let found = try pool.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } ?? 0
                    throw StoreError.newerDatabase(path: path, found: found, supported: Schema.version)
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.wrapping(error, path: path, operation: "open the database")
        } catch {
            // Creating the directory failed.
            throw StoreError.cannotOpen(path: path, detail: error.localizedDescription)
        }
    }

    /// What a read-only connection opens for the database at `path`.
    ///
    /// Where this process may write the file and its folder, the path itself: SQLite keeps its
    /// `-wal` and `-shm` companions as for any reader, and sees what a running collect commits.
    /// Elsewhere (a file chmod 444, a read-only folder or mount, another user's database) a WAL
    /// reader would need to create them: in a read-only folder it cannot, and beside a read-only
    /// file it would leave read-only companions that a later writer trips over. So, when the log
    /// holds nothing, the file is opened `immutable` (an SQLite URI): nothing is created or
    /// locked. A log that holds changes is read through its existing `-shm` index; without one,
    /// that cannot be done here and the error says what to do.
    static func readingPath(_ path: String) throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        if access(path, W_OK) == 0 && access(folder.isEmpty ? "." : folder, W_OK | X_OK) == 0 { return path }
        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        if log > 0 {
            guard FileManager.default.fileExists(atPath: path + "-shm") else { throw StoreError.unreadableLog(path: path) }
            return path
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // Percent-encoded but for unreserved ASCII and `/`: `?`, `#` and `%` in a path must not
        // read as URI syntax.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-._~")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    /// Deletes the database file at `path` and its `-wal`, `-shm` and `-journal` companions.
    ///
    /// Only for a database this process created and stored nothing in (a first collect that
    /// failed), after closing it: a failed first run then leaves no empty database behind.
    package static func discardCreated(path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The folders that do not exist yet on the way to `path`, outermost first: what opening a
    /// database (or taking its collect lock) there would create.
    package static func missingFolders(for path: String) -> [String] {
        var missing: [String] = []
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
            missing.insert(folder, at: 0)
            folder = (folder as NSString).deletingLastPathComponent
        }
        return missing
    }

    /// Removes `folders` (as `missingFolders` listed them) innermost first, each only while empty.
    package static func removeEmptyFolders(_ folders: [String]) {
        for folder in folders.reversed() where rmdir(folder) != 0 { return }
    }

    /// Folds the write-ahead log into the database file and closes it; later calls fail.
    ///
    /// Without it the database closes when the store is released, but the `-wal` file may keep
    /// the last writes (and its size) until the next writer: SQLite only folds it in when the
    /// last connection closes, and the pool closes its writer before its readers.
    package func close() throws {
        try perform("close the database") {
            if !readOnly {
                try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            }
            try pool.close()
        }
    }

    // MARK: - Saving

    package func write(
        _ next: () throws -> [StoredSnapshot]?, saved: ([SaveOutcome]) -> Void, options: WriteOptions
    ) throws -> [SaveOutcome] {
        if readOnly { throw StoreError.readOnlyStore(path: path) }
        return try SaveRules.passingProducerErrors(next, wrap: { StoreError.wrapping($0, path: self.path, operation: "save snapshots") }) {
            pull in
            try pool.write { db in
                for querySet in options.querySets { try self.record(querySet, db) }
                var outcomes: [SaveOutcome] = []
                while let batch = try pull() {
                    let batchOutcomes = try batch.map { try self.save($0, options: options, db) }
                    saved(batchOutcomes)
                    outcomes += batchOutcomes
                }
                return outcomes
            }
        }
    }

    private func record(_ querySet: QuerySetRecord, _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO query_set (hash, folder, definitions, first_seen_ms) VALUES (?, ?, ?, ?)",
            arguments: [
                querySet.hash, querySet.folder, try querySet.encodedDefinitions(), Int64(Date().timeIntervalSince1970 * 1000),
            ])
    }

    package func querySet(hash: String) throws -> QuerySetRecord? {
        let rows = try readQuerySets(
            where: "WHERE hash LIKE ? ESCAPE '\\' LIMIT 2", arguments: [QuerySetRecord.prefixPattern(hash)])
        return rows.count == 1 ? rows[0] : nil
    }

    package func querySets() throws -> [QuerySetRecord] {
        try readQuerySets(where: "ORDER BY hash", arguments: [])
    }

    private func readQuerySets(where clause: String, arguments: StatementArguments) throws -> [QuerySetRecord] {
        try perform("read query sets") {
            try pool.read { db -> [QuerySetRecord] in
                // Databases from before query-set records (schema 1) have none.
                guard try db.tableExists("query_set") else { return [] }
                return try Row.fetchAll(db, sql: "SELECT hash, folder, definitions FROM query_set " + clause, arguments: arguments)
                    .map { row in
                        QuerySetRecord(
                            hash: row["hash"], folder: row["folder"], definitions: try QuerySetRecord.decodeDefinitions(row["definitions"]))
                    }
            }
        }
    }

    private func save(_ snapshot: StoredSnapshot, options: WriteOptions, _ db: Database) throws -> SaveOutcome {
        let record = snapshot.record
        if let reason = SaveRules.problem(snapshot) {
            throw StoreError.invalidSnapshot(path: path, cluster: record.cluster, build: record.build, reason: reason)
        }
        let existing =
            try SnapshotRow
            .filter(SnapshotRow.Columns.cluster == record.cluster)
            .filter(SnapshotRow.Columns.build == record.build)
            .filter(SnapshotRow.Columns.startMs == record.start)
            .filter(SnapshotRow.Columns.endMs == record.end)
            .filter(SnapshotRow.Columns.stepMs == record.step)
            .fetchOne(db)
        let decision = SaveRules.decide(
            existing: existing.flatMap { row in
                row.id.map {
                    SaveRules.Existing(
                        id: $0, partial: row.partial, measurementHash: row.measurementHash ?? "", collectedAt: row.collectedAtMs)
                }
            },
            incoming: record, skipAlreadyStored: options.skipAlreadyStored)
        var replacedID: Int64?
        switch decision {
        case .keep(let outcome): return outcome
        case .insert: break
        case .replace(let oldID):
            // Series and container summaries go with it (ON DELETE CASCADE).
            try SnapshotRow.deleteOne(db, key: oldID)
            replacedID = oldID
        }

        var row = try SnapshotRow(snapshot)
        try row.insert(db)
        guard let id = row.id else {
            throw StoreError.sqlite(path: path, operation: "insert a snapshot", detail: "no row id came back")
        }
        let seriesInsert = try db.cachedStatement(sql: ComponentSeriesRow.insertSQL)
        for series in snapshot.components {
            let r = try ComponentSeriesRow(snapshotID: id, series)
            try seriesInsert.execute(arguments: [
                r.snapshotID, r.component, r.category, r.resource, r.members, r.values, r.leftOutMask,
            ])
        }
        let containerInsert = try db.cachedStatement(sql: ContainerSummaryRow.insertSQL)
        for container in snapshot.containers {
            let r = ContainerSummaryRow(snapshotID: id, container)
            try containerInsert.execute(arguments: [
                r.snapshotID, r.namespace, r.pod, r.container, r.component, r.resource, r.mean, r.min, r.p50, r.p90, r.p95,
                r.p99, r.max, r.samples, r.coverage,
            ])
        }
        return replacedID.map { .replaced(oldID: $0, newID: id) } ?? .inserted(id: id)
    }

    // MARK: - Reading

    package func snapshots(_ filter: SnapshotFilter) throws -> [SnapshotRecord] {
        typealias C = SnapshotRow.Columns
        var request = SnapshotRow.all()
        if let build = filter.build { request = request.filter(C.build == build) }
        if let distribution = filter.distribution { request = request.filter(C.distribution == distribution) }
        if !filter.clusters.isEmpty { request = request.filter(filter.clusters.contains(C.cluster)) }
        if let since = filter.since { request = request.filter(C.endMs >= since) }
        if let until = filter.until { request = request.filter(C.startMs <= until) }
        request = request.order(C.startMs, C.cluster, C.id)
        let rows = try perform("read snapshots") { try pool.read { try request.fetchAll($0) } }
        return try rows.map { try $0.record(location: path) }
    }

    package func builds() throws -> [BuildInfo] {
        let rows = try perform("read builds") {
            try pool.read { db in
                // A file a reader opens at schema 3 or older has no payload times.
                let payload =
                    try db.columns(in: "snapshot").contains { $0.name == "payload_created_ms" } ? "MIN(payload_created_ms)" : "NULL"
                return try BuildRow.fetchAll(
                    db,
                    sql: """
                        SELECT build, distribution, cluster, COUNT(*) AS n, MIN(start_ms) AS first, MAX(end_ms) AS last,
                            \(payload) AS payload
                        FROM snapshot GROUP BY build, distribution, cluster
                        """)
            }
        }
        return BuildInfo.aggregate(rows)
    }

    package func componentSeries(snapshotIDs: [Int64]) throws -> [Int64: [ComponentSeries]] {
        let ids = Array(Set(snapshotIDs))
        let (grids, rows) = try perform("read component series") {
            try pool.read { db in
                var grids: [Int64: TimeGrid] = [:]
                var rows: [ComponentSeriesRow] = []
                for chunk in Self.chunked(ids) {
                    for row in try SnapshotRow.filter(keys: chunk).fetchAll(db) {
                        if let id = row.id { grids[id] = TimeGrid(start: row.startMs, end: row.endMs, step: row.stepMs) }
                    }
                    rows +=
                        try ComponentSeriesRow
                        .filter(chunk.contains(ComponentSeriesRow.Columns.snapshotID))
                        .order(ComponentSeriesRow.Columns.id)
                        .fetchAll(db)
                }
                return (grids, rows)
            }
        }
        var result = grids.mapValues { _ in [ComponentSeries]() }
        for row in rows {
            result[row.snapshotID, default: []].append(try row.series(location: path, points: grids[row.snapshotID]?.count))
        }
        return result
    }

    package func containers(snapshotIDs: [Int64]) throws -> [Int64: [ContainerSummary]] {
        let ids = Array(Set(snapshotIDs))
        let (known, rows) = try perform("read container summaries") {
            try pool.read { db in
                var known: [Int64] = []
                var rows: [ContainerSummaryRow] = []
                for chunk in Self.chunked(ids) {
                    known += try Int64.fetchAll(db, SnapshotRow.filter(keys: chunk).select(SnapshotRow.Columns.id))
                    rows +=
                        try ContainerSummaryRow
                        .filter(chunk.contains(ContainerSummaryRow.Columns.snapshotID))
                        .order(ContainerSummaryRow.Columns.id)
                        .fetchAll(db)
                }
                return (known, rows)
            }
        }
        var result = Dictionary(uniqueKeysWithValues: known.map { ($0, [ContainerSummary]()) })
        for row in rows { result[row.snapshotID, default: []].append(try row.summary(location: path)) }
        return result
    }

    // MARK: - Helpers

    /// Keeps `IN (…)` lists well below SQLite's limit on bound variables.
    private static func chunked(_ ids: [Int64]) -> [[Int64]] {
        stride(from: 0, to: ids.count, by: 500).map { Array(ids[$0..<Swift.min($0 + 500, ids.count)]) }
    }

    private func perform<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StoreError.wrapping(error, path: path, operation: operation)
        }
    }

    /// Reads the schema version of an existing file without changing it.
    private static func probe(path: String) throws -> (userVersion: Int, superseded: Bool, complete: Bool) {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: try readingPath(path), configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                try Schema.migrator.hasBeenSuperseded(db),
                try Schema.migrator.hasCompletedMigrations(db)
            )
        }
    }
}
