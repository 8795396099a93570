import FedCore
import Foundation

/// `fedreport push`: copies snapshots from one store into another, whatever the engines.
package enum SnapshotPush {
    /// What one push did, snapshot by snapshot.
    package struct Result: Sendable {
        /// Each source snapshot (its record as the source holds it) and what the target did with it.
        package var outcomes: [(snapshot: SnapshotRecord, outcome: SaveOutcome)]
        /// Query-set records offered to the target (those it already had were left alone).
        package var querySets: Int

        package var inserted: Int { outcomes.filter { if case .inserted = $0.outcome { true } else { false } }.count }
        package var replaced: Int { outcomes.filter { if case .replaced = $0.outcome { true } else { false } }.count }
        package var alreadyStored: Int { outcomes.filter { if case .alreadyStored = $0.outcome { true } else { false } }.count }
        package var keptComplete: Int { outcomes.filter { if case .keptComplete = $0.outcome { true } else { false } }.count }
        package var keptNewer: Int { outcomes.filter { if case .keptNewer = $0.outcome { true } else { false } }.count }
    }

    /// Copies every snapshot of `source` that passes `filter` into `target`, with its component
    /// series, left-out masks, container summaries and provenance, and every query-set record,
    /// in one transaction on the target: all of it lands, or none.
    ///
    /// A snapshot whose cluster, build, window and measurement hash the target already holds is
    /// skipped, unless it is complete and the target's is partial; otherwise a partial snapshot
    /// never replaces a complete one, a complete one always replaces a partial one, and of two
    /// equally complete ones the one collected last is kept. So pushing twice changes nothing the
    /// second time, and pushing an old store never undoes a newer collect. Series are read `batch` snapshots at a time.
    package static func run(
        from source: any SnapshotStoring, to target: any SnapshotStoring, filter: SnapshotFilter = SnapshotFilter(),
        batch: Int = 16
    ) throws -> Result {
        let querySets = try source.querySets()
        let records = try source.snapshots(filter)
        var index = 0
        var pending: [SnapshotRecord] = []
        var outcomes: [(snapshot: SnapshotRecord, outcome: SaveOutcome)] = []
        _ = try target.write(
            {
                guard index < records.count else { return nil }
                let slice = Array(records[index..<min(index + max(1, batch), records.count)])
                index += slice.count
                let ids = slice.map(\.id)
                let series = try source.componentSeries(snapshotIDs: ids)
                let containers = try source.containers(snapshotIDs: ids)
                pending = slice
                // A snapshot replaced or removed in the source since it was listed has no entry
                // (ids are never handed out twice): copying its record without its rows would
                // store an empty snapshot that later pushes skip as already there.
                return try slice.map { record in
                    guard let components = series[record.id], let summaries = containers[record.id] else {
                        throw StoreError.changedWhileReading(
                            path: source.location, snapshotID: record.id, cluster: record.cluster, build: record.build)
                    }
                    return StoredSnapshot(record: record, components: components, containers: summaries)
                }
            },
            saved: { batchOutcomes in
                outcomes += zip(pending, batchOutcomes).map { (snapshot: $0, outcome: $1) }
            },
            options: WriteOptions(querySets: querySets, skipAlreadyStored: true))
        return Result(outcomes: outcomes, querySets: querySets.count)
    }
}
