import FedCore
import FedReports
import FedStoreCore

/// What `builds` and `snapshots` list, with the same errors as the reports for what is not there.
package enum Listings {
    /// Every build: distributions by name, and the builds of each in build order, the order every
    /// report uses (``orderedBuilds(_:)``).
    package static func builds(_ store: any SnapshotStoring) throws -> [BuildInfo] {
        let all = try store.builds()
        return Set(all.map(\.distribution)).sorted().flatMap { distribution in
            let infos = all.filter { $0.distribution == distribution }
            let byName = Dictionary(uniqueKeysWithValues: infos.map { ($0.build, $0) })
            return orderedBuilds(infos).compactMap { byName[$0] }
        }
    }

    /// The snapshots, or those of `build`: a build with no snapshot at all is an error that lists
    /// the known builds (exit 4), as `compare` does.
    package static func snapshots(_ store: any SnapshotStoring, build: String? = nil) throws -> [SnapshotRecord] {
        let records = try store.snapshots(SnapshotFilter(build: build))
        if let build, records.isEmpty {
            throw CompareError.unknownBuild(name: build, known: sortedBuilds(Array(Set(try store.builds().map(\.build)))))
        }
        return records
    }

    /// The per-container statistics of snapshot `id`, or of its `component`, ordered by resource,
    /// component, namespace, pod and container. An unknown snapshot, or a component the snapshot
    /// does not hold, is an error that says what is there (exit 4).
    package static func containers(_ store: any SnapshotStoring, snapshot id: Int64, component: String? = nil) throws -> [ContainerSummary]
    {
        guard let list = try store.containers(snapshotIDs: [id])[id] else { throw NotStored.snapshot(id: id) }
        let shown = list.filter { component == nil || $0.component == component }
        if let component, shown.isEmpty {
            throw NotStored.component(name: component, snapshot: id, known: Array(Set(list.map(\.component))).sorted())
        }
        return shown.sorted {
            ($0.resource, $0.component, $0.namespace, $0.pod, $0.container) < (
                $1.resource, $1.component, $1.namespace, $1.pod, $1.container
            )
        }
    }

    /// The query set whose hash starts with `prefix`, when exactly one does.
    package static func querySet(_ store: any SnapshotStoring, hashPrefix prefix: String) throws -> QuerySetRecord {
        guard let record = try store.querySet(hash: prefix) else { throw NotStored.querySet(hashPrefix: prefix) }
        return record
    }
}
