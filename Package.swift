// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "fedreport",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fedreport", targets: ["fedreport"]),
        .executable(name: "fedsim", targets: ["fedsim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libcurl, with non-variadic wrappers for curl_easy_setopt and friends.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // glibc's <malloc.h> (mallopt), which the Glibc module does not export.
        .systemLibrary(name: "CMalloc"),
        // Configuration, durations, label matchers, component maps, query sets, build timelines,
        // statistics: everything that computes and needs no I/O beyond reading YAML.
        .target(
            name: "FedCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The streaming `query_range` decoder and its number parsing: bytes in, series out. No
        // libcurl and no logging, so fuzz/build.sh compiles it alone for libFuzzer.
        .target(name: "FedDecode", dependencies: ["FedCore"]),
        // The Prometheus HTTP API client: libcurl transport, chunking, retries and concurrency.
        .target(
            name: "FedClient",
            dependencies: [
                "CCurl", "FedCore", "FedDecode",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The snapshot store is four targets, as swift-nio splits NIOCore from NIOPosix: the
        // interface, one target per engine, and the opener that needs both engines.
        //
        // FedStoreCore: the store without an engine. The `SnapshotStoring` protocol, the models,
        // `database:` values, the replace rules and validation every backend applies, `push`, and
        // the rows as plain Codable structs. No GRDB, no PostgresNIO: what reads snapshots
        // (the reports) depends on this alone.
        .target(name: "FedStoreCore", dependencies: ["FedCore"]),
        // FedStoreSQLite: snapshots in an SQLite file through GRDB, its migrations, the collect lock.
        .target(
            name: "FedStoreSQLite",
            dependencies: ["FedCore", "FedStoreCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // FedStorePostgres: the same store in PostgreSQL through PostgresNIO.
        .target(
            name: "FedStorePostgres",
            dependencies: [
                "FedCore", "FedStoreCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // FedStore: the opener, `Stores.open`, which picks the engine a `database:` value names,
        // and `WriteGuard`, what a writing command does around its target (the collect lock and
        // clean-up of an SQLite file). It is the only target that depends on both engines, so
        // neither engine depends on the other; commands import it with FedStoreCore.
        .target(name: "FedStore", dependencies: ["FedStoreCore", "FedStoreSQLite", "FedStorePostgres"]),
        // The collect pipeline: query, attribute, aggregate, store.
        .target(
            name: "FedCollect",
            dependencies: [
                "FedCore", "FedDecode", "FedClient",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Grafana dashboards built from the query set and the component maps.
        .target(name: "FedDashboards", dependencies: ["FedCore"]),
        // Comparisons, verdicts and the report renderers.
        .target(
            name: "FedReports",
            dependencies: [
                "FedCore", "FedStoreCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The runs behind the commands: collect, the periodic report, compare, trend, nightly and
        // push, with their policies (what stops a run, what it stores, what fails it) and the
        // exit code each outcome maps to. What a run says goes through a reporter the command
        // prints, so that tests call the runs directly.
        .target(
            name: "FedRun",
            dependencies: [
                "FedCore", "FedClient", "FedCollect", "FedStoreCore", "FedStore", "FedReports",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command-line tool: commands only.
        .executableTarget(
            name: "fedreport",
            dependencies: [
                "CMalloc", "FedCore", "FedClient", "FedStoreCore", "FedStore", "FedCollect", "FedReports", "FedDashboards", "FedRun",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test bed: scenario generator, promtool backfill, Prometheus and nginx processes.
        .target(name: "FedTestSupport", dependencies: ["FedCore", .product(name: "Yams", package: "Yams")]),
        // The test bed as a command, for `make demo` and `make bench`.
        .executableTarget(
            name: "fedsim",
            dependencies: [
                "FedTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The performance benchmark behind `make bench`.
        .executableTarget(
            name: "fedbench",
            dependencies: [
                "FedCore", "FedDecode", "FedCollect", "FedStoreCore", "FedStoreSQLite", "FedStore", "FedReports",
                "FedTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The tests. A unit target per library, depending on that library and what its tests
        // build fixtures from; `FedreportTests` is the one integration target, which drives the built
        // `fedreport` binary against the test bed (Prometheus, nginx, PostgreSQL, VictoriaMetrics,
        // chromium). `swift test` runs them all.
        //
        // FedTestHarness: what several test targets share (running the binary, temporary folders
        // and configurations, the small scenario's bed, store beds on both engines, the sqlite3
        // shell, the comparison and rendering fixtures). A library, not a test target, so that
        // test targets can depend on it; only tests do.
        .target(
            name: "FedTestHarness",
            dependencies: ["FedCore", "FedStoreCore", "FedStoreSQLite", "FedStore", "FedReports", "FedTestSupport"],
            path: "Tests/FedTestHarness"
        ),
        // Configuration, durations, statistics, build timelines, component maps, quantities, CSV,
        // suggestions and `Locked`. FedTestSupport only for the repository root (the shipped maps).
        .testTarget(name: "FedCoreTests", dependencies: ["FedCore", "FedTestSupport"]),
        // The streaming decoder and number parsing, against generated bodies.
        .testTarget(name: "FedDecodeTests", dependencies: ["FedCore", "FedDecode", "FedTestSupport"]),
        // Client settings and the notifier (against a recording server and through nginx); the
        // notification fixture is a FedReports summary.
        .testTarget(
            name: "FedClientTests",
            dependencies: [
                "FedCore", "FedClient", "FedReports", "FedTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The aggregator and the streaming summary.
        .testTarget(name: "FedCollectTests", dependencies: ["FedCore", "FedDecode", "FedCollect", "FedTestSupport"]),
        // The store on both engines: the contract, models, migrations, the SQLite file and
        // PostgreSQL's own behaviour. GRDB to write old schemas by hand in the migration tests.
        .testTarget(
            name: "FedStoreTests",
            dependencies: [
                "FedCore", "FedStoreCore", "FedStoreSQLite", "FedStorePostgres", "FedStore", "FedTestSupport",
                "FedTestHarness", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Comparisons, verdicts, budgets, acknowledgements, change points and the renderers, with
        // the golden reports (read from the source tree by path, not bundled).
        .testTarget(
            name: "FedReportsTests",
            dependencies: ["FedCore", "FedStoreCore", "FedStoreSQLite", "FedReports", "FedTestSupport", "FedTestHarness"],
            exclude: ["Golden"]
        ),
        // Dashboards built from definitions; no server.
        .testTarget(name: "FedDashboardsTests", dependencies: ["FedCore", "FedDashboards"]),
        // The runs' policies, called as a library with a reporter that records what a run says
        // (no process spawned; collects ask a real Prometheus through the fault proxy), and
        // `--fail-on` lists.
        .testTarget(
            name: "FedRunTests",
            dependencies: [
                "FedCore", "FedStoreCore", "FedStoreSQLite", "FedReports", "FedCollect", "FedRun", "FedTestSupport",
                "FedTestHarness", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Integration: every suite that runs the `fedreport` binary or the test bed end to end.
        .testTarget(
            name: "FedreportTests",
            dependencies: [
                "FedCore", "FedDecode", "FedClient", "FedStoreCore", "FedStoreSQLite", "FedCollect", "FedRun",
                "FedTestSupport", "FedTestHarness", .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
