import ArgumentParser
import FedCore
import FedStore
import FedStoreCore
import Foundation

extension Fedreport {
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy snapshots from the configured database into another, SQLite or PostgreSQL.",
            discussion: """
                Copies every snapshot (or those --cluster, --build, --since and --until select) with \
                its component series, left-out masks, per-container drill-down and provenance, and \
                the query-set records, in one transaction on the target: all of it lands, or none. \
                A snapshot the target already holds (same cluster, build, window and measurement \
                hash) is skipped; otherwise a partial snapshot never replaces a complete one, a \
                complete one replaces a partial one, and of two equally complete ones the one \
                collected last is kept. Pushing twice changes nothing.

                The target's password comes from --to-password-file or PGPASSWORD, never from \
                the URL.

                Examples:
                  fedreport push --to postgres://fedreport@db.example:5432/fedreport?sslmode=verify-full
                  fedreport push --database lab2.sqlite --to fedreport.sqlite --wait
                  FEDREPORT_DATABASE_URL=postgres://fedreport@db/fedreport fedreport push --to archive.sqlite
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The database to copy into: a path of an SQLite file or a postgres:// URL.")
        var to: String

        @Option(name: .customLong("to-password-file"), help: "A file holding the target's PostgreSQL password.")
        var toPasswordFile: String?

        @Option(name: .customLong("cluster"), help: "Only snapshots of this cluster (repeatable).")
        var clusters: [String] = []

        @Option(help: "Only snapshots of this build.")
        var build: String?

        @Option(help: "Only snapshots ending at or after this time (RFC 3339, a date, Unix seconds, now or now-6h).")
        var since: String?

        @Option(help: "Only snapshots starting at or before this time (RFC 3339, a date, Unix seconds, now or now-6h).")
        var until: String?

        @Flag(help: "Wait for a collect running on an SQLite target instead of exiting.")
        var wait = false

        @Option(help: "table or json.")
        var format: ListFormat = .table

        func run() throws {
            try guarded {
                let configuration = try global.load()
                let sourceLocation = try StoreLocation.parse(configuration.database)
                let targetLocation = try StoreLocation.parse(to)
                if sourceLocation.isSameDatabase(as: targetLocation) {
                    throw ValidationError(
                        "--to names the configured database itself (\(targetLocation)); give another database to copy into.")
                }
                let filter = SnapshotFilter(
                    build: build, clusters: clusters, since: try since.map { try parseTime($0, option: "--since") },
                    until: try until.map { try parseTime($0, option: "--until") })
                let source = try global.openStore(configuration, readOnly: true)
                let guarded = try WriteGuard(targetLocation, wait: wait)
                var stored = false
                defer { guarded.finish(stored: stored) }
                let target = try Stores.open(
                    targetLocation, readOnly: false, passwordFile: toPasswordFile, applicationName: "fedreport push")
                guarded.store = target
                let result = try SnapshotPush.run(from: source, to: target, filter: filter)
                try target.close()
                guarded.store = nil
                try source.close()
                // An empty source still leaves a target with the schema: a push that ran through
                // is a success, like a collect that stored something.
                stored = true
                switch format {
                case .json:
                    try printJSON(
                        result.outcomes.map {
                            PushedSnapshot(
                                cluster: $0.snapshot.cluster, build: $0.snapshot.build, start: $0.snapshot.start,
                                end: $0.snapshot.end, sourceID: $0.snapshot.id, outcome: $0.outcome.description)
                        })
                case .table:
                    print(
                        textTable(
                            ["CLUSTER", "BUILD", "SEGMENT", "SOURCE", "TARGET"],
                            result.outcomes.map {
                                [
                                    $0.snapshot.cluster, $0.snapshot.build,
                                    "\(formatTime($0.snapshot.start)) – \(formatTime($0.snapshot.end))", "#\($0.snapshot.id)",
                                    $0.outcome.description,
                                ]
                            }))
                }
                if !global.quiet {
                    printError(
                        "Pushed \(result.outcomes.count) snapshot(s) from \(sourceLocation) to \(targetLocation): "
                            + "\(result.inserted) new, \(result.replaced) replaced, \(result.alreadyStored) already there, "
                            + "\(result.keptComplete) kept complete and \(result.keptNewer) kept newer in the target; "
                            + "\(result.querySets) query set(s).")
                }
                return Exit.ok
            }
        }
    }
}

/// One line of `push --format json`.
private struct PushedSnapshot: Encodable {
    var cluster: String
    var build: String
    var start: TimestampMs
    var end: TimestampMs
    var sourceID: Int64
    var outcome: String
}
