import ArgumentParser
import FedCore
import FedRun

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

        @Option(help: "Only snapshots of this build.")
        var build: String?

        @OptionGroup var selection: SelectionOptions

        @Flag(help: "Wait for a collect running on an SQLite target instead of exiting.")
        var wait = false

        @Option(help: "table or json.")
        var format: ListFormat = .table

        func run() throws {
            try guarded {
                let settings = PushRun.Settings(
                    target: to, targetPasswordFile: toPasswordFile, filter: selection.filter(build: build), wait: wait)
                let result = try PushRun.run(settings, in: try global.context(), reporter: global.printer).result
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
                                    $0.snapshot.cluster, $0.snapshot.build, "\(isoTime($0.snapshot.start)) – \(isoTime($0.snapshot.end))",
                                    "#\($0.snapshot.id)", $0.outcome.description,
                                ]
                            }))
                }
                return .ok
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
