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
        // The snapshot store without an engine: the `SnapshotStoring` protocol, the models,
        // `database:` values, the replace rules and validation every backend applies, `push`, and
        // the rows as plain Codable structs. No GRDB, no PostgresNIO.
        .target(name: "FedStoreCore", dependencies: ["FedCore"]),
        // Snapshots in SQLite through GRDB.
        .target(
            name: "FedStore",
            dependencies: ["FedCore", "FedStoreCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Snapshots in PostgreSQL through PostgresNIO, behind the same store interface, and the
        // opener that picks a backend from `database:`.
        .target(
            name: "FedStorePostgres",
            dependencies: [
                "FedCore", "FedStoreCore", "FedStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
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
        // The command-line tool: commands only.
        .executableTarget(
            name: "fedreport",
            dependencies: [
                "CMalloc", "FedCore", "FedClient", "FedStoreCore", "FedStore", "FedStorePostgres", "FedCollect", "FedReports", "FedDashboards",
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
                "FedCore", "FedDecode", "FedCollect", "FedStoreCore", "FedStore", "FedStorePostgres", "FedReports",
                "FedTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FedreportTests",
            dependencies: [
                "FedCore", "FedDecode", "FedClient", "FedStoreCore", "FedStore", "FedStorePostgres", "FedCollect",
                "FedReports", "FedDashboards", "FedTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            // Golden reports are read from the source tree by path, not bundled.
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
