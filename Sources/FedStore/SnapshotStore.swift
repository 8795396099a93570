import FedCore
import Foundation
import GRDB

/// One stored snapshot's metadata: what `collect` learned about one (cluster, build, window),
/// without the series.
public struct SnapshotRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var cluster: String
    public var distribution: String
    public var build: String
    /// First grid point, milliseconds since the epoch.
    public var start: TimestampMs
    /// Last grid point (inclusive), milliseconds since the epoch.
    public var end: TimestampMs
    /// Grid step in milliseconds.
    public var step: Int64
    public var includedTimestamps: Int
    public var querySetHash: String
    public var querierURL: String
    public var serverBuild: String?
    public var fedreportVersion: String
    public var leftOut: LeftOutCounts
    public var warnings: [String]
    public var partial: Bool
    public var collectedAt: TimestampMs
    public var noData: [String]
    /// The grid points that count for the snapshot; nil for snapshots stored before fedreport
    /// kept them (schema 1 and 2), where only their number is known.
    public var included: GridMask?
    /// See `MeasurementHash`; empty for snapshots stored before fedreport computed it.
    public var measurementHash: String
    /// Points the querier sent off the step grid, not used.
    public var offGridPoints: Int

    public init(
        id: Int64, cluster: String, distribution: String, build: String, start: TimestampMs, end: TimestampMs,
        step: Int64, includedTimestamps: Int, querySetHash: String = "", querierURL: String = "",
        serverBuild: String? = nil, fedreportVersion: String = FedCore.fedreportVersion,
        leftOut: LeftOutCounts = .init(), warnings: [String] = [], partial: Bool = false,
        collectedAt: TimestampMs = 0, noData: [String] = [], included: GridMask? = nil, measurementHash: String = "",
        offGridPoints: Int = 0
    ) {
        self.id = id
        self.cluster = cluster
        self.distribution = distribution
        self.build = build
        self.start = start
        self.end = end
        self.step = step
        self.includedTimestamps = includedTimestamps
        self.querySetHash = querySetHash
        self.querierURL = querierURL
        self.serverBuild = serverBuild
        self.fedreportVersion = fedreportVersion
        self.leftOut = leftOut
        self.warnings = warnings
        self.partial = partial
        self.collectedAt = collectedAt
        self.noData = noData
        self.included = included
        self.measurementHash = measurementHash
        self.offGridPoints = offGridPoints
    }

    /// The grid the snapshot's component series are sampled on.
    public var grid: TimeGrid { TimeGrid(start: start, end: end, step: step) }
}

/// What the store holds about one build of one distribution.
public struct BuildInfo: Sendable, Codable, Equatable {
    public var build: String
    public var distribution: String
    /// Clusters with a snapshot of this build, sorted.
    public var clusters: [String]
    /// Number of snapshots of this build.
    public var snapshots: Int
    /// The earliest snapshot start.
    public var first: TimestampMs
    /// The latest snapshot end.
    public var last: TimestampMs

    public init(
        build: String, distribution: String, clusters: [String], snapshots: Int, first: TimestampMs,
        last: TimestampMs
    ) {
        self.build = build
        self.distribution = distribution
        self.clusters = clusters
        self.snapshots = snapshots
        self.first = first
        self.last = last
    }
}

/// What `save` did with one input.
/// A query set as it was when snapshots were measured with it.
public struct QuerySetRecord: Sendable, Equatable, Codable {
    public struct Definition: Sendable, Equatable, Codable {
        public var name: String
        public var resource: String
        public var distributions: [String]
        public var promql: String

        public init(name: String, resource: String, distributions: [String], promql: String) {
            self.name = name
            self.resource = resource
            self.distributions = distributions
            self.promql = promql
        }
    }

    public var hash: String
    public var folder: String
    public var definitions: [Definition]

    public init(hash: String, folder: String, definitions: [Definition]) {
        self.hash = hash
        self.folder = folder
        self.definitions = definitions
    }

    /// The record of a loaded query set.
    public init(_ set: QuerySet) {
        self.init(
            hash: set.hash, folder: set.folder,
            definitions: set.queries.map {
                Definition(name: $0.name, resource: $0.resource.rawValue, distributions: $0.distributions, promql: $0.promql)
            })
    }
}

public enum SaveOutcome: Sendable, Equatable {
    /// No snapshot of the same window existed.
    case inserted(id: Int64)
    /// A snapshot of the same cluster, build, start, end and step existed and was replaced.
    case replaced(oldID: Int64, newID: Int64)
    /// The new snapshot was partial and the stored one complete: the stored one was kept and the
    /// new one dropped.
    case keptComplete(existingID: Int64)
}

/// Which snapshots `SnapshotStore.snapshots(_:)` returns. Nil and empty mean "any".
public struct SnapshotFilter: Sendable {
    public var build: String?
    public var distribution: String?
    public var clusters: [String]
    /// Only snapshots that end at or after this time.
    public var since: TimestampMs?
    /// Only snapshots that start at or before this time.
    public var until: TimestampMs?

    public init(
        build: String? = nil, distribution: String? = nil, clusters: [String] = [], since: TimestampMs? = nil,
        until: TimestampMs? = nil
    ) {
        self.build = build
        self.distribution = distribution
        self.clusters = clusters
        self.since = since
        self.until = until
    }
}

/// The snapshot database: one SQLite file (plus its `-wal` and `-shm` companions) in WAL mode, so
/// that reports can read while a collect writes.
///
/// Writers wait up to 5 seconds for a lock held by another process. Two collects must not run at
/// once on one database; take a `CollectLock` around a collect.
public final class SnapshotStore: Sendable {
    /// The schema version this fedreport writes and reads (`PRAGMA user_version`).
    public static let schemaVersion: Int = Schema.version

    /// The database file.
    public let path: String
    public let readOnly: Bool
    private let pool: DatabasePool

    /// Opens the database at `path`.
    ///
    /// Unless `readOnly`, creates the file (and its directory) when missing and migrates an older
    /// schema. A database written by a newer fedreport is refused before anything touches it.
    /// With `readOnly`, a missing file or an older schema is an error that tells the user to run
    /// `fedreport collect` first.
    public init(path: String, readOnly: Bool = false) throws {
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
            pool = try DatabasePool(path: path, configuration: configuration)
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

    /// Deletes the database file at `path` and its `-wal`, `-shm` and `-journal` companions.
    ///
    /// Only for a database this process created and stored nothing in (a first collect that
    /// failed), after closing it: a failed first run then leaves no empty database behind.
    public static func discardCreated(path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The folders that do not exist yet on the way to `path`, outermost first: what opening a
    /// database (or taking its collect lock) there would create.
    public static func missingFolders(for path: String) -> [String] {
        var missing: [String] = []
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
            missing.insert(folder, at: 0)
            folder = (folder as NSString).deletingLastPathComponent
        }
        return missing
    }

    /// Removes `folders` (as `missingFolders` listed them) innermost first, each only while empty.
    public static func removeEmptyFolders(_ folders: [String]) {
        for folder in folders.reversed() where rmdir(folder) != 0 { return }
    }

    /// Folds the write-ahead log into the database file and closes it; later calls fail.
    ///
    /// Without it the database closes when the store is released, but the `-wal` file may keep
    /// the last writes (and its size) until the next writer: SQLite only folds it in when the
    /// last connection closes, and the pool closes its writer before its readers.
    public func close() throws {
        try perform("close the database") {
            if !readOnly {
                try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            }
            try pool.close()
        }
    }

    // MARK: - Saving

    /// Saves the snapshots of one collect run in a single write transaction: either all of them
    /// are stored or, when any throws, none.
    ///
    /// A snapshot of the same (cluster, build, start, end, step) replaces the stored one, unless
    /// the new one is partial and the stored one complete. Every component series must have
    /// `grid.count` values and (component, resource) pairs must be unique within a snapshot.
    public func save(_ inputs: [SnapshotInput]) throws -> [SaveOutcome] {
        if readOnly { throw StoreError.readOnlyStore(path: path) }
        return try perform("save snapshots") {
            try pool.write { db in
                try inputs.map { try self.save($0, db) }
            }
        }
    }

    /// Saves snapshots as a run produces them, all in one write transaction: `next` is called
    /// until it returns nil and may block until the next cluster is done, so a run over many
    /// clusters never holds all their series in memory. A throw from `next` (or from saving)
    /// rolls back everything saved so far. `saved` hears each batch's outcomes as they land.
    public func save(
        streaming next: () throws -> [SnapshotInput]?, saved: ([SnapshotInput], [SaveOutcome]) -> Void = { _, _ in },
        querySet: QuerySetRecord? = nil
    ) throws -> [SaveOutcome] {
        if readOnly { throw StoreError.readOnlyStore(path: path) }
        // The producer's own errors (a failed query, say) pass through unwrapped.
        var producerError: (any Error)?
        func pull() throws -> [SnapshotInput]? {
            do {
                return try next()
            } catch {
                producerError = error
                throw error
            }
        }
        do {
            return try perform("save snapshots") {
                try pool.write { db in
                    if let querySet { try self.record(querySet, db) }
                    var outcomes: [SaveOutcome] = []
                    while let batch = try pull() {
                        let batchOutcomes = try batch.map { try self.save($0, db) }
                        saved(batch, batchOutcomes)
                        outcomes += batchOutcomes
                    }
                    return outcomes
                }
            }
        } catch {
            if let producerError { throw producerError }
            throw error
        }
    }

    private func record(_ querySet: QuerySetRecord, _ db: Database) throws {
        let definitions = String(decoding: try JSONEncoder().encode(querySet.definitions), as: UTF8.self)
        try db.execute(
            sql: "INSERT OR IGNORE INTO query_set (hash, folder, definitions, first_seen_ms) VALUES (?, ?, ?, ?)",
            arguments: [querySet.hash, querySet.folder, definitions, Int64(Date().timeIntervalSince1970 * 1000)])
    }

    /// The query set stored under `hash` (or the one hash starting with it), nil when unknown
    /// or when the database predates query-set records.
    public func querySet(hash: String) throws -> QuerySetRecord? {
        try perform("read a query set") {
            try pool.read { db -> QuerySetRecord? in
                guard try db.tableExists("query_set") else { return nil }
                let rows = try Row.fetchAll(
                    db, sql: "SELECT hash, folder, definitions FROM query_set WHERE hash LIKE ? ESCAPE '\\' LIMIT 2",
                    arguments: [hash.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"])
                guard rows.count == 1, let row = rows.first else { return nil }
                let text: String = row["definitions"]
                return QuerySetRecord(
                    hash: row["hash"], folder: row["folder"],
                    definitions: try JSONDecoder().decode([QuerySetRecord.Definition].self, from: Data(text.utf8)))
            }
        }
    }

    private func save(_ input: SnapshotInput, _ db: Database) throws -> SaveOutcome {
        try validate(input)
        let grid = input.grid
        let existing =
            try SnapshotRow
            .filter(SnapshotRow.Columns.cluster == input.cluster)
            .filter(SnapshotRow.Columns.build == input.build)
            .filter(SnapshotRow.Columns.startMs == grid.start)
            .filter(SnapshotRow.Columns.endMs == grid.end)
            .filter(SnapshotRow.Columns.stepMs == grid.step)
            .fetchOne(db)
        var replacedID: Int64?
        if let existing, let existingID = existing.id {
            if !existing.partial && input.partial { return .keptComplete(existingID: existingID) }
            // Series and container summaries go with it (ON DELETE CASCADE).
            try SnapshotRow.deleteOne(db, key: existingID)
            replacedID = existingID
        }

        var row = SnapshotRow(
            id: nil, cluster: input.cluster, distribution: input.distribution, build: input.build,
            startMs: grid.start, endMs: grid.end, stepMs: grid.step, includedTimestamps: input.includedTimestamps,
            querySetHash: input.querySetHash, querierURL: input.querierURL, serverBuild: input.serverBuild,
            fedreportVersion: input.fedreportVersion, leftOutNoVersion: input.leftOut.noVersion,
            leftOutMultipleVersions: input.leftOut.multipleVersions, leftOutSettling: input.leftOut.settling,
            leftOutNonFiniteSamples: input.leftOut.nonFiniteSamples, warnings: try StringList.encode(input.warnings),
            partial: input.partial, collectedAtMs: input.collectedAt, noData: try StringList.encode(input.noData),
            includedMask: Data(input.included.bytes), measurementHash: input.measurementHash,
            leftOutUpgrading: input.leftOut.upgrading, leftOutIncompleteTotals: input.leftOut.incompleteTotals,
            offGridPoints: input.offGridPoints)
        try row.insert(db)
        guard let id = row.id else {
            throw StoreError.sqlite(path: path, operation: "insert a snapshot", detail: "no row id came back")
        }

        let seriesInsert = try db.cachedStatement(sql: ComponentSeriesRow.insertSQL)
        for series in input.components {
            try seriesInsert.execute(arguments: [
                id, series.component.name, series.component.category.rawValue, series.resource.rawValue,
                try StringList.encode(series.members), Float64LE.encode(series.values),
                series.leftOut.isEmpty ? nil : Data(series.leftOut.bytes),
            ])
        }
        let containerInsert = try db.cachedStatement(sql: ContainerSummaryRow.insertSQL)
        for c in input.containers {
            let s = c.summary
            try containerInsert.execute(arguments: [
                id, c.namespace, c.pod, c.container, c.component, c.resource.rawValue,
                s.mean.nanAsNil, s.min.nanAsNil, s.p50.nanAsNil, s.p90.nanAsNil, s.p95.nanAsNil, s.p99.nanAsNil,
                s.max.nanAsNil, s.samples, s.coverage.nanAsNil,
            ])
        }
        return replacedID.map { .replaced(oldID: $0, newID: id) } ?? .inserted(id: id)
    }

    private func validate(_ input: SnapshotInput) throws {
        func invalid(_ reason: String) -> StoreError {
            .invalidSnapshot(path: path, cluster: input.cluster, build: input.build, reason: reason)
        }
        let grid = input.grid
        guard grid.step > 0 else { throw invalid("the grid step is \(grid.step) ms; it must be positive") }
        guard grid.count > 0 else { throw invalid("the grid has no points") }
        guard input.included.count == grid.count else {
            throw invalid("the included mask covers \(input.included.count) points but the grid has \(grid.count)")
        }
        var seen = Set<String>()
        for series in input.components {
            let name = "component '\(series.component.name)' (\(series.resource.rawValue))"
            guard series.values.count == grid.count, series.leftOut.count == grid.count else {
                throw invalid("\(name) has \(series.values.count) values but the grid has \(grid.count) points")
            }
            guard seen.insert("\(series.resource.rawValue)\u{0}\(series.component.name)").inserted else {
                throw invalid("\(name) appears twice")
            }
        }
    }

    // MARK: - Reading

    /// The snapshots matching `filter`, ordered by start, then cluster.
    public func snapshots(_ filter: SnapshotFilter = .init()) throws -> [SnapshotRecord] {
        typealias C = SnapshotRow.Columns
        var request = SnapshotRow.all()
        if let build = filter.build { request = request.filter(C.build == build) }
        if let distribution = filter.distribution { request = request.filter(C.distribution == distribution) }
        if !filter.clusters.isEmpty { request = request.filter(filter.clusters.contains(C.cluster)) }
        if let since = filter.since { request = request.filter(C.endMs >= since) }
        if let until = filter.until { request = request.filter(C.startMs <= until) }
        request = request.order(C.startMs, C.cluster, C.id)
        let rows = try perform("read snapshots") { try pool.read { try request.fetchAll($0) } }
        return try rows.map(record)
    }

    private func record(_ row: SnapshotRow) throws -> SnapshotRecord {
        let id = row.id ?? 0
        guard let warnings = StringList.decode(row.warnings), let noData = StringList.decode(row.noData) else {
            throw StoreError.corruptRow(
                path: path, table: "snapshot", id: id, reason: "warnings or no_data is not a JSON list of strings")
        }
        var included: GridMask?
        if let data = row.includedMask {
            let count = TimeGrid(start: row.startMs, end: row.endMs, step: row.stepMs).count
            guard let mask = GridMask(bytes: [UInt8](data), count: count), mask.population == row.includedTimestamps else {
                throw StoreError.corruptRow(
                    path: path, table: "snapshot", id: id,
                    reason: "included_mask does not hold \(row.includedTimestamps) set bits over the grid's \(count) points")
            }
            included = mask
        }
        return SnapshotRecord(
            id: id, cluster: row.cluster, distribution: row.distribution, build: row.build, start: row.startMs,
            end: row.endMs, step: row.stepMs, includedTimestamps: row.includedTimestamps,
            querySetHash: row.querySetHash, querierURL: row.querierURL, serverBuild: row.serverBuild,
            fedreportVersion: row.fedreportVersion,
            leftOut: LeftOutCounts(
                noVersion: row.leftOutNoVersion, multipleVersions: row.leftOutMultipleVersions,
                settling: row.leftOutSettling, upgrading: row.leftOutUpgrading ?? 0,
                nonFiniteSamples: row.leftOutNonFiniteSamples, incompleteTotals: row.leftOutIncompleteTotals ?? 0),
            warnings: warnings, partial: row.partial, collectedAt: row.collectedAtMs, noData: noData, included: included,
            measurementHash: row.measurementHash ?? "", offGridPoints: row.offGridPoints ?? 0)
    }

    /// Every (build, distribution) in the store, ordered by first start, then build.
    public func builds() throws -> [BuildInfo] {
        let rows = try perform("read builds") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT build, distribution, cluster, COUNT(*) AS n, MIN(start_ms) AS first, MAX(end_ms) AS last
                        FROM snapshot GROUP BY build, distribution, cluster
                        """)
            }
        }
        var byBuild: [[String]: BuildInfo] = [:]
        for row in rows {
            let build: String = row["build"]
            let distribution: String = row["distribution"]
            let cluster: String = row["cluster"]
            let n: Int = row["n"]
            let first: Int64 = row["first"]
            let last: Int64 = row["last"]
            if var info = byBuild[[build, distribution]] {
                info.clusters.append(cluster)
                info.snapshots += n
                info.first = Swift.min(info.first, first)
                info.last = Swift.max(info.last, last)
                byBuild[[build, distribution]] = info
            } else {
                byBuild[[build, distribution]] = BuildInfo(
                    build: build, distribution: distribution, clusters: [cluster], snapshots: n, first: first,
                    last: last)
            }
        }
        return byBuild.values
            .map { info in
                var info = info
                info.clusters.sort()
                return info
            }
            .sorted { ($0.first, $0.build, $0.distribution) < ($1.first, $1.build, $1.distribution) }
    }

    /// The component series of each snapshot, in the order they were saved. Every ID naming a
    /// stored snapshot has an entry; unknown IDs have none.
    public func componentSeries(snapshotIDs: [Int64]) throws -> [Int64: [ComponentSeries]] {
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
            func corrupt(_ reason: String) -> StoreError {
                .corruptRow(path: path, table: "component_series", id: row.id ?? 0, reason: reason)
            }
            guard let category = Category(rawValue: row.category) else {
                throw corrupt("unknown category '\(row.category)'")
            }
            guard let resource = Resource(rawValue: row.resource) else {
                throw corrupt("unknown resource '\(row.resource)'")
            }
            guard let members = StringList.decode(row.members) else {
                throw corrupt("members is not a JSON list of strings")
            }
            guard let values = Float64LE.decode(row.values), values.count == grids[row.snapshotID]?.count else {
                throw corrupt("the values blob holds \(row.values.count) bytes, not 8 per grid point")
            }
            var leftOut: GridMask?
            if let data = row.leftOutMask {
                guard let mask = GridMask(bytes: [UInt8](data), count: values.count) else {
                    throw corrupt("the left-out mask holds \(data.count) bytes, not a bit per grid point")
                }
                leftOut = mask
            }
            result[row.snapshotID, default: []].append(
                ComponentSeries(
                    component: ComponentRef(name: row.component, category: category), resource: resource,
                    values: values, leftOut: leftOut, members: members))
        }
        return result
    }

    /// The container summaries of each snapshot, in the order they were saved. Every ID naming a
    /// stored snapshot has an entry; unknown IDs have none.
    public func containers(snapshotIDs: [Int64]) throws -> [Int64: [ContainerSummary]] {
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
        for row in rows {
            guard let resource = Resource(rawValue: row.resource) else {
                throw StoreError.corruptRow(
                    path: path, table: "container_summary", id: row.id ?? 0, reason: "unknown resource '\(row.resource)'")
            }
            let summary = Summary(
                mean: row.mean.nilAsNaN, min: row.min.nilAsNaN, p50: row.p50.nilAsNaN, p90: row.p90.nilAsNaN,
                p95: row.p95.nilAsNaN, p99: row.p99.nilAsNaN, max: row.max.nilAsNaN, samples: row.samples,
                coverage: row.coverage.nilAsNaN)
            result[row.snapshotID, default: []].append(
                ContainerSummary(
                    namespace: row.namespace, pod: row.pod, container: row.container, component: row.component,
                    resource: resource, summary: summary))
        }
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
        let queue = try DatabaseQueue(path: path, configuration: configuration)
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
