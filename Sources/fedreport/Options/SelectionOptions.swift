import ArgumentParser
import FedCore
import FedReports
import FedStoreCore

/// Which snapshots a command reads: `--cluster`, `--since` and `--until`, shared by `compare`,
/// `report`, `trend`, `nightly` and `push`.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("cluster"), help: "Only snapshots of this cluster (repeatable).")
    var clusters: [String] = []

    @Option(
        help: "Only snapshots ending at or after this time (RFC 3339, a date, Unix seconds, now or now-6h).",
        transform: Read.time("--since"))
    var since: Timestamp?

    @Option(
        help: "Only snapshots starting at or before this time (RFC 3339, a date, Unix seconds, now or now-6h).",
        transform: Read.time("--until"))
    var until: Timestamp?

    /// The selection the reports pool.
    var selection: SnapshotSelection {
        SnapshotSelection(clusters: clusters, since: since?.milliseconds, until: until?.milliseconds)
    }

    /// The same as a store filter, with `build`.
    func filter(build: String?) -> SnapshotFilter {
        SnapshotFilter(build: build, clusters: clusters, since: since?.milliseconds, until: until?.milliseconds)
    }
}
