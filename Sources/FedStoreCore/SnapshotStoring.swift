import FedCore
import Foundation

/// The snapshot store, whichever engine holds it: an SQLite file (`SnapshotStore` in
/// FedStoreSQLite) or a PostgreSQL database (`PostgresSnapshotStore` in FedStorePostgres);
/// `Stores.open` in FedStore opens either from a `database:` value.
///
/// Both keep the same logical schema and apply the same rules: a run's snapshots are written in
/// one transaction, a snapshot of the same (cluster, build, start, end, step) replaces the stored
/// one unless the new one is partial and the stored one complete, and reads return the same
/// records in the same order. Commands talk to this protocol only.
package protocol SnapshotStoring: AnyObject, Sendable {
    /// Where the store is, for messages: the file path, or the PostgreSQL URL without password.
    var location: String { get }
    /// Whether the store was opened for reading only.
    var readOnly: Bool { get }

    /// Closes the store; later calls fail.
    func close() throws

    /// Writes snapshots as `next` produces them, all in one transaction: `next` is called until it
    /// returns nil and may block. A throw from `next` (passed through unchanged) or from writing
    /// rolls back everything, query-set records included. `saved` hears each batch's outcomes.
    func write(
        _ next: () throws -> [StoredSnapshot]?, saved: ([SaveOutcome]) -> Void, options: WriteOptions
    ) throws -> [SaveOutcome]

    /// The query set stored under `hash` (or the one hash starting with it), nil when unknown.
    func querySet(hash: String) throws -> QuerySetRecord?
    /// Every stored query set, by hash.
    func querySets() throws -> [QuerySetRecord]
    /// The snapshots matching `filter`, ordered by start, then cluster, then id.
    func snapshots(_ filter: SnapshotFilter) throws -> [SnapshotRecord]
    /// Every (build, distribution) in the store, ordered by first start, then build.
    func builds() throws -> [BuildInfo]
    /// The component series of each snapshot, in the order they were saved. Every ID naming a
    /// stored snapshot has an entry; unknown IDs have none.
    func componentSeries(snapshotIDs: [Int64]) throws -> [Int64: [ComponentSeries]]
    /// The container summaries of each snapshot, in the order they were saved. Every ID naming a
    /// stored snapshot has an entry; unknown IDs have none.
    func containers(snapshotIDs: [Int64]) throws -> [Int64: [ContainerSummary]]
}

/// A snapshot with everything a store keeps of it: what `push` copies between stores.
package struct StoredSnapshot: Sendable {
    /// The metadata; its `id` is the one in the store it was read from, ignored when writing.
    package var record: SnapshotRecord
    package var components: [ComponentSeries]
    package var containers: [ContainerSummary]

    package init(record: SnapshotRecord, components: [ComponentSeries], containers: [ContainerSummary]) {
        self.record = record
        self.components = components
        self.containers = containers
    }

    /// The snapshot `collect` built, ready to write.
    package init(_ input: SnapshotInput) {
        record = SnapshotRecord(
            id: 0, metadata: input.metadata, includedTimestamps: input.includedTimestamps, included: input.included)
        components = input.components
        containers = input.containers
    }
}

/// The clusters and window one collect run is about to write, claimed for the run's transaction
/// so that two runs over the same cluster and window never interleave. SQLite files take the
/// `CollectLock` instead and ignore the claim.
package struct CollectClaim: Sendable, Equatable {
    package var clusters: [String]
    package var grid: TimeGrid
    /// Wait for another run's claim instead of failing at once.
    package var wait: Bool

    package init(clusters: [String], grid: TimeGrid, wait: Bool) {
        self.clusters = clusters
        self.grid = grid
        self.wait = wait
    }
}

/// How `SnapshotStoring.write` treats what it is given.
package struct WriteOptions: Sendable {
    /// Query-set records to keep with the snapshots (existing hashes are left alone).
    package var querySets: [QuerySetRecord]
    package var claim: CollectClaim?
    /// For `push`: a snapshot whose cluster, build, window and measurement hash are already in the
    /// store is skipped (`SaveOutcome.alreadyStored`), unless it is complete and the stored one
    /// partial.
    package var skipAlreadyStored: Bool

    package init(querySets: [QuerySetRecord] = [], claim: CollectClaim? = nil, skipAlreadyStored: Bool = false) {
        self.querySets = querySets
        self.claim = claim
        self.skipAlreadyStored = skipAlreadyStored
    }
}

extension SnapshotStoring {
    /// Every snapshot, ordered by start, then cluster, then id.
    package func snapshots() throws -> [SnapshotRecord] { try snapshots(SnapshotFilter()) }

    /// Saves the snapshots of one collect run in a single transaction: either all of them are
    /// stored or, when any throws, none.
    ///
    /// A snapshot of the same (cluster, build, start, end, step) replaces the stored one, unless
    /// the new one is partial and the stored one complete. Every component series must have
    /// `grid.count` values and (component, resource) pairs must be unique within a snapshot.
    package func save(_ inputs: [SnapshotInput]) throws -> [SaveOutcome] {
        var pending: [StoredSnapshot]? = inputs.map(StoredSnapshot.init)
        return try write(
            {
                defer { pending = nil }
                return pending
            }, saved: { _ in }, options: WriteOptions())
    }

    /// Saves snapshots as a run produces them, all in one transaction: `next` is called until it
    /// returns nil and may block until the next cluster is done, so a run over many clusters
    /// never holds all their series in memory. A throw from `next` (or from saving) rolls back
    /// everything saved so far. `saved` hears each batch's outcomes as they land.
    package func save(
        streaming next: () throws -> [SnapshotInput]?, saved: ([SnapshotInput], [SaveOutcome]) -> Void = { _, _ in },
        querySet: QuerySetRecord? = nil, claim: CollectClaim? = nil
    ) throws -> [SaveOutcome] {
        var batch: [SnapshotInput] = []
        return try write(
            {
                guard let inputs = try next() else { return nil }
                batch = inputs
                return inputs.map(StoredSnapshot.init)
            },
            saved: { saved(batch, $0) },
            options: WriteOptions(querySets: querySet.map { [$0] } ?? [], claim: claim))
    }
}

/// What every store does when a snapshot arrives, kept in one place so that SQLite and
/// PostgreSQL cannot drift apart.
package enum SaveRules {
    /// The stored snapshot under the incoming one's (cluster, build, start, end, step).
    package struct Existing: Decodable, Sendable {
        package var id: Int64
        package var partial: Bool
        package var measurementHash: String
        package var collectedAt: TimestampMs

        package init(id: Int64, partial: Bool, measurementHash: String, collectedAt: TimestampMs) {
            self.id = id
            self.partial = partial
            self.measurementHash = measurementHash
            self.collectedAt = collectedAt
        }
    }

    package enum Decision: Equatable {
        /// No snapshot of the window is stored: insert.
        case insert
        /// Delete the stored snapshot (its rows go with it), then insert.
        case replace(oldID: Int64)
        /// Leave the store as it is and report this.
        case keep(SaveOutcome)
    }

    package static func decide(existing: Existing?, incoming: SnapshotRecord, skipAlreadyStored: Bool) -> Decision {
        guard let existing else { return .insert }
        if skipAlreadyStored && existing.measurementHash == incoming.measurementHash
            && !(existing.partial && !incoming.partial)
        {
            return .keep(.alreadyStored(existingID: existing.id))
        }
        if !existing.partial && incoming.partial { return .keep(.keptComplete(existingID: existing.id)) }
        // push only: of two complete (or two partial) snapshots of a window, the one collected
        // last wins, so copying an older runner's store never undoes a newer collect.
        if skipAlreadyStored && existing.partial == incoming.partial && existing.collectedAt > incoming.collectedAt {
            return .keep(.keptNewer(existingID: existing.id))
        }
        return .replace(oldID: existing.id)
    }

    /// Why `snapshot` cannot be stored as it is, or nil when it can.
    package static func problem(_ snapshot: StoredSnapshot) -> String? {
        let record = snapshot.record
        let grid = record.grid
        guard grid.step > 0 else { return "the grid step is \(grid.step) ms; it must be positive" }
        guard grid.count > 0 else { return "the grid has no points" }
        if let included = record.included {
            guard included.count == grid.count else {
                return "the included mask covers \(included.count) points but the grid has \(grid.count)"
            }
            guard included.population == record.includedTimestamps else {
                return "the included mask holds \(included.population) points but \(record.includedTimestamps) are counted"
            }
        }
        var seen = Set<String>()
        for series in snapshot.components {
            let name = "component '\(series.component.name)' (\(series.resource.rawValue))"
            guard series.values.count == grid.count, series.leftOut.count == grid.count else {
                return "\(name) has \(series.values.count) values but the grid has \(grid.count) points"
            }
            guard seen.insert("\(series.resource.rawValue)\u{0}\(series.component.name)").inserted else {
                return "\(name) appears twice"
            }
        }
        return nil
    }

    /// Runs `body` with a producer that stands for `next`; an error `next` throws comes out
    /// unchanged, any other error `body` throws goes through `wrap` (the store's own errors).
    package static func passingProducerErrors<T>(
        _ next: () throws -> [StoredSnapshot]?, wrap: (any Error) -> any Error,
        _ body: (() throws -> [StoredSnapshot]?) throws -> T
    ) throws -> T {
        try withoutActuallyEscaping(next) { next in
            var producerError: (any Error)?
            let pull: () throws -> [StoredSnapshot]? = {
                do {
                    return try next()
                } catch {
                    producerError = error
                    throw error
                }
            }
            do {
                return try body(pull)
            } catch {
                if let producerError { throw producerError }
                throw wrap(error)
            }
        }
    }
}
