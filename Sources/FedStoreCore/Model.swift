import FedCore
import Foundation

/// One stored snapshot without its series: its id, its metadata (whose fields read as the
/// record's own: `record.cluster`, `record.start`) and which grid points count.
package struct SnapshotRecord: SnapshotMetadataCarrying, Sendable, Equatable, Encodable {
    package var id: Int64
    package var metadata: SnapshotMetadata
    package var includedTimestamps: Int
    /// The grid points that count for the snapshot; nil for snapshots stored before fedreport
    /// kept them (schema 1 and 2), where only their number is known.
    package var included: GridMask?

    package init(id: Int64, metadata: SnapshotMetadata, includedTimestamps: Int, included: GridMask? = nil) {
        self.id = id
        self.metadata = metadata
        self.includedTimestamps = includedTimestamps
        self.included = included
    }

    private enum CodingKeys: String, CodingKey {
        case id, includedTimestamps, included
    }

    /// One flat object, as `snapshots --format json` prints it: the metadata's fields beside
    /// the record's own.
    package func encode(to encoder: any Encoder) throws {
        try metadata.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(includedTimestamps, forKey: .includedTimestamps)
        try container.encodeIfPresent(included, forKey: .included)
    }
}

/// What the store holds about one build of one distribution.
package struct BuildInfo: Sendable, Codable, Equatable {
    package var build: String
    package var distribution: String
    /// Clusters with a snapshot of this build, sorted.
    package var clusters: [String]
    /// Number of snapshots of this build.
    package var snapshots: Int
    /// The earliest snapshot start.
    package var first: TimestampMs
    /// The latest snapshot end.
    package var last: TimestampMs
    /// When the build's release payload was created, where a snapshot says (the earliest).
    package var payloadCreated: TimestampMs?

    package init(
        build: String, distribution: String, clusters: [String], snapshots: Int, first: TimestampMs,
        last: TimestampMs, payloadCreated: TimestampMs? = nil
    ) {
        self.build = build
        self.distribution = distribution
        self.clusters = clusters
        self.snapshots = snapshots
        self.first = first
        self.last = last
        self.payloadCreated = payloadCreated
    }
}

/// A query set as it was when snapshots were measured with it.
package struct QuerySetRecord: Sendable, Equatable, Codable {
    package struct Definition: Sendable, Equatable, Codable {
        package var name: String
        package var resource: String
        package var distributions: [String]
        package var promql: String

        package init(name: String, resource: String, distributions: [String], promql: String) {
            self.name = name
            self.resource = resource
            self.distributions = distributions
            self.promql = promql
        }
    }

    package var hash: String
    package var folder: String
    package var definitions: [Definition]

    package init(hash: String, folder: String, definitions: [Definition]) {
        self.hash = hash
        self.folder = folder
        self.definitions = definitions
    }

    /// The record of a loaded query set.
    package init(_ set: QuerySet) {
        self.init(
            hash: set.hash, folder: set.folder,
            definitions: set.queries.map {
                Definition(name: $0.name, resource: $0.resource.rawValue, distributions: $0.distributions, promql: $0.promql)
            })
    }
}

/// What `save` (or `push`) did with one snapshot.
package enum SaveOutcome: Sendable, Equatable {
    /// No snapshot of the same window existed.
    case inserted(id: Int64)
    /// A snapshot of the same cluster, build, start, end and step existed and was replaced.
    case replaced(oldID: Int64, newID: Int64)
    /// The new snapshot was partial and the stored one complete: the stored one was kept and the
    /// new one dropped.
    case keptComplete(existingID: Int64)
    /// `push` only: a snapshot of the same cluster, build, window and measurement hash was already
    /// stored (and the new one is not a complete snapshot of a window stored partial): skipped.
    case alreadyStored(existingID: Int64)
    /// `push` only: the stored snapshot of the window was collected later than the new one (and
    /// is as complete): kept, the new one dropped.
    case keptNewer(existingID: Int64)
}

extension SaveOutcome: CustomStringConvertible {
    /// What happened, with the snapshot ids, as `collect` and `push` print it in their tables:
    /// `new #12`, `replaced #3 by #12`, `kept complete #3`, `already there #3`, `kept newer #3`.
    package var description: String {
        switch self {
        case .inserted(let id): "new #\(id)"
        case .replaced(let old, let new): "replaced #\(old) by #\(new)"
        case .keptComplete(let id): "kept complete #\(id)"
        case .alreadyStored(let id): "already there #\(id)"
        case .keptNewer(let id): "kept newer #\(id)"
        }
    }
}

/// Which snapshots `SnapshotStoring.snapshots(_:)` returns. Nil and empty mean "any".
package struct SnapshotFilter: Sendable {
    package var build: String?
    package var distribution: String?
    package var clusters: [String]
    /// Only snapshots that end at or after this time.
    package var since: TimestampMs?
    /// Only snapshots that start at or before this time.
    package var until: TimestampMs?

    package init(
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

/// One row of the per-cluster count behind `builds()`: the snapshots of one (build,
/// distribution, cluster). Both stores select these columns under these names.
package struct BuildRow: Decodable, Sendable {
    package var build: String
    package var distribution: String
    package var cluster: String
    /// Number of snapshots.
    package var n: Int
    /// The earliest snapshot start.
    package var first: Int64
    /// The latest snapshot end.
    package var last: Int64
    /// The earliest payload creation time of the snapshots.
    package var payload: Int64?
}

extension BuildInfo {
    /// Folds the rows, one per cluster, into one `BuildInfo` per (build, distribution), ordered
    /// by first start, then build, then distribution: what every backend's `builds()` returns.
    package static func aggregate(_ rows: [BuildRow]) -> [BuildInfo] {
        var byBuild: [[String]: BuildInfo] = [:]
        for row in rows {
            let key = [row.build, row.distribution]
            if var info = byBuild[key] {
                info.clusters.append(row.cluster)
                info.snapshots += row.n
                info.first = Swift.min(info.first, row.first)
                info.last = Swift.max(info.last, row.last)
                if let p = row.payload { info.payloadCreated = Swift.min(info.payloadCreated ?? p, p) }
                byBuild[key] = info
            } else {
                byBuild[key] = BuildInfo(
                    build: row.build, distribution: row.distribution, clusters: [row.cluster], snapshots: row.n,
                    first: row.first, last: row.last, payloadCreated: row.payload)
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
}

extension QuerySetRecord {
    /// The definitions as the stores keep them: a JSON array of {name, resource, distributions, promql}.
    package func encodedDefinitions() throws -> String {
        String(decoding: try JSONEncoder().encode(definitions), as: UTF8.self)
    }

    package static func decodeDefinitions(_ text: String) throws -> [Definition] {
        try JSONDecoder().decode([Definition].self, from: Data(text.utf8))
    }

    /// `hash` as a LIKE pattern matching every hash it starts, with `\` as the escape character.
    package static func prefixPattern(_ hash: String) -> String {
        hash.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
