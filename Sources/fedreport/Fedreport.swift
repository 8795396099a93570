import ArgumentParser

#if canImport(Glibc)
    import Glibc

    /// glibc's `mallopt`, which no Swift module exports (`<malloc.h>` is not in Glibc's map).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

@main
struct Fedreport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedreport",
        abstract: "Per-component CPU and memory of OpenShift builds, compared release by release and against a baseline.",
        discussion: """
            A nightly job on the hub: `collect` runs range queries against the Thanos querier and stores \
            a snapshot per cluster and build in SQLite; `compare` and `report` turn snapshots into \
            Markdown, HTML, CSV and JSON reports.

            Exit codes: 0 fine, 1 error, 2 usage, 3 regression found (with --fail-on-regression), \
            4 a requested build has no snapshots, 5 collect stored partial data.
            """,
        version: "0.1.0",
        subcommands: [
            Check.self, Query.self, Collect.self, Components.self, Builds.self, Snapshots.self, Compare.self, Report.self,
            Nightly.self,
        ]
    )

    static func main() {
        #if canImport(Glibc)
            // glibc gives every thread that allocates its own arena; collect's worker threads
            // would each keep freed series buffers around. Two arenas keep peak memory flat.
            _ = glibcMallopt(-8 /* M_ARENA_MAX in <malloc.h> */, 2)
        #endif
        main(nil)
    }
}
