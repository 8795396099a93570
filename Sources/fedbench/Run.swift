import ArgumentParser
import FedCollect
import FedCore
import FedReports
import FedStore
import FedStoreCore
import FedStoreSQLite
import FedTestSupport
import Foundation

extension FedBench {
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decodes and aggregates one response file in memory; prints JSON (used by run, and for callgrind).")

        @OptionGroup var data: DataOptions
        @Option(help: "The query_range response to decode.") var file: String
        @Option(help: "fedreport or foundation.") var path = "fedreport"
        @Option(help: "Runs in this process.") var runs = 5
        @Option(help: "Component map.") var map = "queries/components/ocp.yaml"

        func run() throws {
            let result = try runDecode(
                path: path, file: file, grid: data.scenario.grid, map: try ComponentMap.load(path: map), runs: runs)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs every comparison side by side and writes reports/bench/bench.md and bench.json.")

        @OptionGroup var data: DataOptions
        @Option(help: "Runs of each fast measurement (decode, SQLite, compare); medians are reported.")
        var runs = 5
        @Option(help: "Runs of each end-to-end measurement (fedreport collect, curl, Python).")
        var e2eRuns = 3
        @Option(help: "Cluster counts for the scale test, comma-separated.")
        var scale = "1,5,10,50"
        @Option(
            help:
                "Seconds the data preparation may take before N is scaled down (the first run prepares 50 cluster-days, about 50 minutes on 2 cores; later runs reuse them)."
        )
        var prepareBudget = 3600.0
        @Option(help: "The fedreport executable (release build).")
        var fedreport = ".build-release/release/fedreport"
        @Option(help: "The Python interpreter of the venv with prometheus-api-client and pandas.")
        var python = ".bench/venv/bin/python"
        @Option(help: "Where bench.md and bench.json go.")
        var reportDir = "reports/bench"
        @Flag(inversion: .prefixedNo, help: "Profile the decode benchmark with valgrind --tool=callgrind.")
        var profile = true
        @Flag(
            inversion: .prefixedNo,
            help: "Also collect into, and compare from, a throwaway PostgreSQL server (Debian's postgresql; durable settings).")
        var postgres = true

        func run() throws {
            var bench = try Bench(options: self)
            try bench.run()
        }
    }
}

/// The whole benchmark run.
struct Bench {
    let o: FedBench.Run
    let root: String
    let work: String
    let dataSet: DataSet
    let scenario: BenchScenario
    let grid: TimeGrid
    let map: ComponentMap
    let querySet: QuerySet
    var rows: [Row] = []
    var notes: [String] = []
    var details: [String: JSONValue] = [:]

    init(options: FedBench.Run) throws {
        o = options
        root = FileManager.default.currentDirectoryPath
        work = (root as NSString).appendingPathComponent((options.data.dataDir as NSString).appendingPathComponent("run"))
        scenario = options.data.scenario
        dataSet = DataSet(scenario: scenario, root: (root as NSString).appendingPathComponent(options.data.dataDir))
        grid = scenario.grid
        map = try ComponentMap.load(path: (root as NSString).appendingPathComponent("queries/components/ocp.yaml"))
        querySet = try QuerySet.load(folder: (root as NSString).appendingPathComponent("queries"))
    }

    var selfPath: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

    mutating func run() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: o.fedreport) else {
            throw BenchError.message(
                "No fedreport at \(o.fedreport): build it with `swift build -c release --scratch-path .build-release --product fedreport`.")
        }
        let scaleList = o.scale.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.sorted()
        // 1. Data: one cluster first, to learn what a cluster-day costs, then the rest if affordable.
        var costs = try dataSet.prepare(clusters: 1, log: note)
        let perCluster = costs.map { $0.generateSeconds + $0.backfillSeconds }.reduce(0, +) / Double(costs.count)
        let wanted = scaleList.max() ?? 1
        let missing = max(0, wanted - costs.count)
        // Only a forecast from the first cluster-day: whether N is capped shows once the budget
        // is really spent (the "skipped" note below), so it is printed, not kept as a note.
        if Double(missing) * perCluster > o.prepareBudget {
            note(
                String(
                    format:
                        "Scale: N = %d may need %.0f s more of generation and backfill (%.0f s per cluster-day, %.1f GB of OpenMetrics each); the budget is %.0f s, so N may be capped at what fits.",
                    wanted, Double(missing) * perCluster, perCluster, Double(costs[0].openMetricsBytes) / 1e9, o.prepareBudget))
        }
        costs = try dataSet.prepare(clusters: wanted, budgetSeconds: o.prepareBudget, log: note)
        let available = costs.count
        let scaleRun = scaleList.filter { $0 <= available }
        for n in scaleList where n > available {
            notes.append("Scale: N = \(n) skipped: the data set holds \(available) cluster-days (see the preparation cost above).")
        }
        details["preparation"] = .fields([
            "per_cluster_generate_seconds": .numbers(costs.map(\.generateSeconds)),
            "per_cluster_backfill_seconds": .numbers(costs.map(\.backfillSeconds)),
            "openmetrics_bytes_per_cluster": .num(Double(costs[0].openMetricsBytes)),
            "samples_per_cluster": .num(Double(costs[0].samples)),
            "series_per_cluster": .num(Double(costs[0].series)),
        ])
        note(
            String(
                format: "one cluster-day costs %.1f s to generate and %.1f s to backfill", costs[0].generateSeconds,
                costs[0].backfillSeconds))

        // 2. The server.
        let server = try PrometheusServer(
            tsdbDirectory: dataSet.tsdb, workDirectory: (work as NSString).appendingPathComponent("server"), timeout: 120)
        defer { server.stop() }
        note("Prometheus at \(server.url) over \(available) cluster-day(s)")
        var postgres: PostgresServer?
        if o.postgres {
            do {
                postgres = try PostgresServer(
                    workDirectory: (work as NSString).appendingPathComponent("postgres"), durable: true, timeout: 120)
                note("PostgreSQL on 127.0.0.1:\(postgres!.port), fsync and synchronous commit on")
            } catch {
                notes.append("PostgreSQL: not started (\(error.localizedDescription)); its rows are left pending.")
            }
        }
        defer { postgres?.stop() }

        let requests = renderedRequests(cluster: BenchScenario.clusterName(0))
        try fetchResponses(url: server.url, requests: requests)

        // 3. Decode + aggregation in memory.
        try decodeBenchmark()
        // 4. SQLite (and PostgreSQL).
        try storeBenchmark(postgres: postgres)
        // 5. End to end, one cluster-day.
        try endToEnd(url: server.url, requests: requests)
        // 6. Scale.
        try scaleBenchmark(url: server.url, counts: scaleRun, postgres: postgres)
        // 7. Where the decode time goes.
        if o.profile { profileDecode() }
        try write()
    }

    // MARK: Queries

    struct Request {
        var name: String
        var resource: Resource?
        var promql: String
    }

    /// The requests `collect` makes for one OpenShift cluster: the build timeline, then every query.
    func renderedRequests(cluster: String) -> [Request] {
        let c = Configuration().collect
        let build = Request(
            name: "build", resource: nil,
            promql: "max by (version) (cluster_version{\(c.clusterLabel)=\(quotePromQL(cluster)), type=\"current\"})")
        return [build]
            + querySet.queries(for: "ocp").map {
                Request(
                    name: $0.name, resource: $0.resource,
                    promql: $0.render(
                        clusterLabel: c.clusterLabel, cluster: cluster, rateWindow: c.rateWindow, scrapeInterval: c.scrapeInterval))
            }
    }

    var startSeconds: String { String(grid.start / 1000) }
    var endSeconds: String { String(grid.end / 1000) }
    var stepSeconds: String { String(grid.step / 1000) }

    func curlArguments(url: String, promql: String, output: String, compressed: Bool = false) -> [String] {
        (compressed ? ["--compressed"] : []) + [
            "-sS", "--fail", "-o", output, "--data-urlencode", "query=\(promql)", "--data-urlencode", "start=\(startSeconds)",
            "--data-urlencode", "end=\(endSeconds)", "--data-urlencode", "step=\(stepSeconds)", "\(url)/api/v1/query_range",
        ]
    }

    func responseFile(_ name: String) -> String { (dataSet.directory as NSString).appendingPathComponent("response-\(name).json") }

    /// Saves the container CPU and memory responses of cluster 0 for the in-memory benchmarks.
    func fetchResponses(url: String, requests: [Request]) throws {
        guard let curl = which("curl") else { throw BenchError.message("curl is missing: apt-get install -y curl") }
        for r in requests where r.name == "container-cpu" || r.name == "container-memory" {
            let file = responseFile(r.name)
            if FileManager.default.fileExists(atPath: file) { continue }
            let run = try spawn(curl, curlArguments(url: url, promql: r.promql, output: file))
            guard run.ok else { throw BenchError.failed("curl \(r.name)", run) }
        }
    }

    // MARK: 1. Decode

    mutating func decodeBenchmark() throws {
        let file = responseFile("container-cpu")
        func child(_ path: String, runs: Int) throws -> DecodeResult {
            let run = try spawn(
                selfPath,
                [
                    "decode", "--file", file, "--path", path, "--runs", String(runs), "--containers", String(scenario.containers),
                    "--hours", String(scenario.hours),
                ],
                workDirectory: work)
            guard run.ok else { throw BenchError.failed("fedbench decode --path \(path)", run) }
            return try JSONDecoder().decode(DecodeResult.self, from: Data(run.stdout.utf8))
        }
        note("decode: fedreport path, \(o.runs) runs; Foundation JSONDecoder, \(max(3, o.runs / 2)) runs")
        let fast = try child("fedreport", runs: o.runs)
        let slow = try child("foundation", runs: max(3, o.runs / 2))
        let fastMedian = median(fast.seconds)
        let slowMedian = median(slow.seconds)
        let mbps = Double(fast.bytes) / 1e6 / fastMedian
        let speedup = slowMedian / fastMedian
        let difference = maxRelativeDifference(fast.means, slow.means)
        rows.append(
            Row(
                id: "decode.throughput",
                figure: "Decode + aggregate \(String(format: "%.0f", Double(fast.bytes) / 1e6)) MB response (1 core)",
                value: String(format: "%.0f MB/s (%@ median of %d)", mbps, secs(fastMedian), fast.seconds.count),
                comparison: "target throughput 300 MB/s", ratio: mbps / 300, ratioText: ratio(mbps / 300), target: "≥ 300 MB/s",
                met: mbps >= 300))
        rows.append(
            Row(
                id: "decode.vs_foundation", figure: "  … vs Foundation JSONDecoder + same aggregation",
                value: "\(secs(fastMedian)) vs \(secs(slowMedian))", comparison: "JSONDecoder time ÷ fedreport time",
                ratio: speedup, ratioText: ratio(speedup), target: "≥ 10×", met: speedup >= 10))
        rows.append(
            Row(
                id: "decode.memory", figure: "  … peak memory above the input (fedreport vs JSONDecoder)",
                value: "\(mb(fast.peakRSS - fast.rssAfterLoad)) vs \(mb(slow.peakRSS - slow.rssAfterLoad))",
                comparison: "JSONDecoder ÷ fedreport",
                ratio: Double(slow.peakRSS - slow.rssAfterLoad) / Double(max(1, fast.peakRSS - fast.rssAfterLoad)),
                ratioText: ratio(Double(slow.peakRSS - slow.rssAfterLoad) / Double(max(1, fast.peakRSS - fast.rssAfterLoad))),
                target: "(informative)", met: nil))
        if difference > 1e-9 {
            notes.append(String(format: "Decode: the two paths' component means differ by up to %.3g relative.", difference))
        }
        let phases = fast.phases
        details["decode"] = .fields([
            "bytes": .num(Double(fast.bytes)),
            "fedreport_seconds": .numbers(fast.seconds),
            "fedreport_decode_seconds": .numbers(phases.map(\.decode)),
            "fedreport_attribute_seconds": .numbers(phases.map(\.attribute)),
            "fedreport_summarise_seconds": .numbers(phases.map(\.summarise)),
            "foundation_seconds": .numbers(slow.seconds),
            "fedreport_peak_rss": .num(Double(fast.peakRSS)), "fedreport_rss_after_load": .num(Double(fast.rssAfterLoad)),
            "foundation_peak_rss": .num(Double(slow.peakRSS)), "foundation_rss_after_load": .num(Double(slow.rssAfterLoad)),
            "max_relative_difference_of_means": .num(difference),
        ])
        let d = median(phases.map(\.decode))
        let a = median(phases.map(\.attribute))
        let s = median(phases.map(\.summarise))
        notes.append(
            String(
                format:
                    "Decode breakdown (medians): MatrixDecoder streaming into StreamingAggregator (attribution, replica merge, component sums, per-container Summary) %@ (%.0f MB/s); figures(for:) %@; component Summary %@.",
                secs(d), Double(fast.bytes) / 1e6 / d, secs(a), secs(s)))
    }

    func maxRelativeDifference(_ a: [String: Double], _ b: [String: Double]) -> Double {
        var worst = 0.0
        for key in Set(a.keys).union(b.keys) {
            guard let x = a[key], let y = b[key] else { return .infinity }
            let scale = max(abs(x), abs(y))
            if scale > 0 { worst = max(worst, abs(x - y) / scale) }
        }
        return worst
    }

    // MARK: 4. SQLite

    mutating func storeBenchmark(postgres: PostgresServer?) throws {
        let input = try clusterDaySnapshot(
            cpuFile: responseFile("container-cpu"), memoryFile: responseFile("container-memory"), grid: grid, map: map,
            cluster: BenchScenario.clusterName(0))
        let save = try timeSave(input, directory: work, runs: o.runs)
        let saveMedian = median(save)
        rows.append(
            Row(
                id: "store.save", figure: "Save one cluster-day snapshot (SnapshotStore.save)",
                value: "\(secs(saveMedian)) (\(input.components.count) component series, \(input.containers.count) containers)",
                comparison: "time ÷ 0.5 s", ratio: saveMedian / 0.5, ratioText: ratio(saveMedian / 0.5), target: "< 0.5 s",
                met: saveMedian < 0.5))
        let dbPath = (work as NSString).appendingPathComponent("compare.sqlite")
        var compareDetails: [String: JSONValue] = ["save_seconds": .numbers(save)]
        do {
            let builds = try comparisonDatabase(path: dbPath, builds: 20, components: 60, grid: grid)
            let (compare, periodic, count) = try timeCompare(path: dbPath, builds: builds, runs: o.runs)
            let c = median(compare)
            let p = median(periodic)
            rows.append(
                Row(
                    id: "compare.two_builds", figure: "compare (Reporter.compare), store of 20 builds × 60 components",
                    value: "\(secs(c)) (\(count) rows)", comparison: "time ÷ 1 s", ratio: c, ratioText: ratio(c), target: "< 1 s",
                    met: c < 1))
            rows.append(
                Row(
                    id: "compare.periodic", figure: "  … periodic report over all 20 builds (Reporter.periodic)",
                    value: secs(p), comparison: "time ÷ 1 s", ratio: p, ratioText: ratio(p), target: "< 1 s", met: p < 1))
            compareDetails["compare_seconds"] = .numbers(compare)
            compareDetails["periodic_seconds"] = .numbers(periodic)
        } catch {
            rows.append(
                Row(
                    id: "compare.two_builds", figure: "compare, 20 builds × 60 components", value: "pending",
                    comparison: "time ÷ 1 s", ratio: nil, ratioText: "-", target: "< 1 s", met: nil))
            notes.append("compare: the FedReports comparison API failed (\(error.localizedDescription)); row left pending.")
        }
        removeDatabase(dbPath)
        try nightlyBenchmark(postgres: postgres, details: &compareDetails)
        details["store"] = .fields(compareDetails)
    }

    /// `fedreport compare` of the first and last of a year of nightlies, each one cluster-day,
    /// from SQLite and from PostgreSQL (filled by `push`), as a user runs it: the binary, JSON to
    /// stdout.
    mutating func nightlyBenchmark(postgres: PostgresServer?, details: inout [String: JSONValue]) throws {
        let builds = 365
        let path = (work as NSString).appendingPathComponent("nightly.sqlite")
        note("compare: writing \(builds) nightly builds × 60 components into SQLite")
        let names = try nightlyDatabase(path: path, builds: builds, components: 60, grid: grid)
        defer { removeDatabase(path) }
        func timeCompare(_ database: String) throws -> [Double] {
            try (0..<o.runs).map { _ in
                let run = try spawn(
                    o.fedreport, ["compare", names[0], names[builds - 1], "--database", database, "--format", "json", "--output", "-"],
                    workDirectory: work)
                guard run.ok else { throw BenchError.failed("fedreport compare (\(builds) nightlies)", run) }
                return run.seconds
            }
        }
        let figure = "compare first vs last of \(builds) nightly builds (60 components, a cluster-day each)"
        let sqlite = try timeCompare(path)
        let s = median(sqlite)
        rows.append(
            Row(
                id: "compare.nightly365", figure: "\(figure), SQLite", value: secs(s), comparison: "time ÷ 2 s", ratio: s / 2,
                ratioText: ratio(s / 2), target: "< 2 s", met: s < 2))
        details["nightly365_sqlite_compare_seconds"] = .numbers(sqlite)
        guard let postgres else {
            rows.append(
                Row(
                    id: "compare.nightly365_postgres", figure: "  … PostgreSQL", value: "pending", comparison: "time ÷ 2 s", ratio: nil,
                    ratioText: "-", target: "< 2 s", met: nil))
            return
        }
        let name = try postgres.createDatabase("bench_nightly_\(UUID().uuidString.prefix(8).lowercased())")
        let url = postgres.url(database: name)
        note("compare: pushing the \(builds) nightly builds into PostgreSQL")
        let t0 = now()
        _ = try SnapshotPush.run(
            from: try SnapshotStore(path: path, readOnly: true), to: try Stores.open(url, readOnly: false, environment: [:]))
        let pushSeconds = now() - t0
        let pg = try timeCompare(url)
        let p = median(pg)
        rows.append(
            Row(
                id: "compare.nightly365_postgres", figure: "  … PostgreSQL", value: "\(secs(p)) (vs SQLite \(secs(s)))",
                comparison: "time ÷ 2 s", ratio: p / 2, ratioText: ratio(p / 2), target: "< 2 s", met: p < 2))
        rows.append(
            Row(
                id: "push.nightly365", figure: "  … push of those \(builds) snapshots, SQLite → PostgreSQL (one transaction)",
                value: secs(pushSeconds), comparison: "(informative)", ratio: nil, ratioText: "-", target: "(informative)", met: nil))
        details["nightly365_postgres_compare_seconds"] = .numbers(pg)
        details["nightly365_push_seconds"] = .num(pushSeconds)
        _ = try? postgres.psql("DROP DATABASE \"\(name)\"", database: "postgres")
    }

    // MARK: 3. End to end

    func writeConfig(url: String, clusters: Int, database: String) throws -> String {
        var yaml = """
            querier:
              url: \(url)
              max_concurrency: 4
            database: \(database)
            queries: \((root as NSString).appendingPathComponent("queries"))
            clusters:

            """
        for i in 0..<clusters { yaml += "  - {name: \(BenchScenario.clusterName(i)), distribution: ocp}\n" }
        let path = (work as NSString).appendingPathComponent("fedreport-\(clusters).yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `fedreport collect` over `clusters` clusters into a fresh SQLite file, or into
    /// `database` (a PostgreSQL URL) when given.
    func collect(url: String, clusters: Int, database given: String? = nil) throws -> (ChildRun, String) {
        let database = given ?? (work as NSString).appendingPathComponent("collect-\(clusters).sqlite")
        if given == nil { removeDatabase(database) }
        let config = try writeConfig(url: url, clusters: clusters, database: database)
        let run = try spawn(
            o.fedreport,
            ["collect", "--config", config, "--start", startSeconds, "--end", endSeconds, "--step", "\(stepSeconds)s", "--quiet"],
            workDirectory: work)
        guard run.ok else { throw BenchError.failed("fedreport collect (\(clusters) clusters)", run) }
        return (run, database)
    }

    /// Per-component means of the snapshot `collect` stored, keyed `resource/component`.
    func storedMeans(_ database: String) throws -> [String: Double] {
        let store = try SnapshotStore(path: database, readOnly: true)
        let records = try store.snapshots()
        let series = try store.componentSeries(snapshotIDs: records.map(\.id))
        var means: [String: Double] = [:]
        for r in records {
            for s in series[r.id] ?? [] {
                if let summary = Summary(of: s.values, expected: r.includedTimestamps) {
                    means["\(s.resource.rawValue)/\(s.component.name)"] = summary.mean
                }
            }
        }
        return means
    }

    func exportForPython(requests: [Request]) throws -> (String, String) {
        let queries: [[String: String]] = requests.dropFirst().map {
            ["name": $0.name, "resource": $0.resource!.rawValue, "promql": $0.promql]
        }
        let spec: [String: Any] = ["build_query": requests[0].promql, "queries": queries]
        let queriesPath = (work as NSString).appendingPathComponent("queries.json")
        try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys]).write(
            to: URL(fileURLWithPath: queriesPath))
        let rules: [[String: Any]] = map.rules.map { rule in
            ["name": rule.name, "matchers": rule.selector.matchers.map { ["name": $0.name, "kind": $0.kind.rawValue, "value": $0.value] }]
        }
        let rulesPath = (work as NSString).appendingPathComponent("rules.json")
        try JSONSerialization.data(withJSONObject: ["rules": rules], options: [.prettyPrinted]).write(to: URL(fileURLWithPath: rulesPath))
        return (queriesPath, rulesPath)
    }

    mutating func endToEnd(url: String, requests: [Request]) throws {
        guard let curl = which("curl") else { throw BenchError.message("curl is missing") }
        let (queriesPath, rulesPath) = try exportForPython(requests: requests)
        let script = (root as NSString).appendingPathComponent("scripts/bench/collect_pandas.py")
        let havePython = FileManager.default.isExecutableFile(atPath: o.python)
        var fed: [ChildRun] = []
        var curls: [Double] = []
        var gzipCurls: [Double] = []
        var curlRSS = 0
        var py: [ChildRun] = []
        var fedMeans: [String: Double] = [:]
        var pyMeans: [String: Double] = [:]
        for run in 0..<o.e2eRuns {
            note("end to end, run \(run + 1) of \(o.e2eRuns): fedreport collect, curl, Python")
            let (f, database) = try collect(url: url, clusters: 1)
            fed.append(f)
            fedMeans = try storedMeans(database)
            // On loopback fedreport asks for no compression (querier.compression: auto), like plain
            // curl; curl --compressed is timed too, to show what gzip costs the server here.
            for compressed in [false, true] {
                var total = 0.0
                for r in requests {
                    let c = try spawn(
                        curl, curlArguments(url: url, promql: r.promql, output: "/dev/null", compressed: compressed), workDirectory: work)
                    guard c.ok else { throw BenchError.failed("curl \(r.name)", c) }
                    total += c.seconds
                    curlRSS = max(curlRSS, c.peakRSS)
                }
                if compressed { gzipCurls.append(total) } else { curls.append(total) }
            }
            if havePython {
                let p = try spawn(
                    o.python,
                    [
                        script, "--url", url, "--start", startSeconds, "--end", endSeconds, "--step", stepSeconds, "--queries", queriesPath,
                        "--rules", rulesPath,
                    ],
                    workDirectory: work)
                guard p.ok else { throw BenchError.failed("the Python collection", p) }
                py.append(p)
                let object = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Double] ?? [:]
                pyMeans = object
            }
        }
        let fedTime = median(fed.map(\.seconds))
        notes.append(
            "On loopback fedreport asks for uncompressed answers (`querier.compression: auto`), as plain curl does; against a remote querier it asks for gzip. The curl --compressed row shows what on-the-fly gzip costs the server on loopback."
        )
        let curlTime = median(gzipCurls)
        let plainCurlTime = median(curls)
        let fedRSS = fed.map(\.peakRSS).max() ?? 0
        rows.append(
            Row(
                id: "collect.rss", figure: "Peak RSS, fedreport collect, 1 cluster-day",
                value: mb(fedRSS), comparison: "RSS ÷ 64 MB", ratio: Double(fedRSS) / Double(64 << 20),
                ratioText: ratio(Double(fedRSS) / Double(64 << 20)), target: "< 64 MB", met: fedRSS < 64 << 20))
        rows.append(
            Row(
                id: "collect.vs_curl", figure: "fedreport collect vs curl, same \(requests.count) responses, same (identity) encoding",
                value: "\(secs(fedTime)) vs \(secs(plainCurlTime))", comparison: "fedreport ÷ curl", ratio: fedTime / plainCurlTime,
                ratioText: ratio(fedTime / plainCurlTime), target: "≤ 1.3×", met: fedTime / plainCurlTime <= 1.3))
        rows.append(
            Row(
                id: "collect.vs_curl_gzip", figure: "  … vs curl --compressed (the server gzips on the fly)",
                value: "\(secs(fedTime)) vs \(secs(curlTime))", comparison: "fedreport ÷ curl", ratio: fedTime / curlTime,
                ratioText: ratio(fedTime / curlTime), target: "(informative)", met: nil))
        var e2e: [String: JSONValue] = [
            "fedreport_seconds": .numbers(fed.map(\.seconds)), "fedreport_peak_rss": .numbers(fed.map { Double($0.peakRSS) }),
            "curl_seconds": .numbers(curls), "curl_gzip_seconds": .numbers(gzipCurls), "curl_peak_rss": .num(Double(curlRSS)),
        ]
        if havePython, !py.isEmpty {
            let pyTime = median(py.map(\.seconds))
            let pyRSS = py.map(\.peakRSS).max() ?? 0
            let difference = maxRelativeDifference(fedMeans, pyMeans)
            rows.append(
                Row(
                    id: "collect.vs_python", figure: "fedreport collect vs prometheus-api-client + pandas",
                    value: "\(secs(fedTime)) vs \(secs(pyTime)); RSS \(mb(fedRSS)) vs \(mb(pyRSS))", comparison: "Python ÷ fedreport",
                    ratio: pyTime / fedTime, ratioText: ratio(pyTime / fedTime), target: "≥ 5×", met: pyTime / fedTime >= 5))
            rows.append(
                Row(
                    id: "collect.equal", figure: "  … equal results (\(fedMeans.count) component means)",
                    value: String(format: "max relative difference %.2g", difference), comparison: "difference ÷ 1e-6",
                    ratio: difference / 1e-6, ratioText: String(format: "%.2g", difference / 1e-6), target: "≤ 1e-6 relative",
                    met: difference <= 1e-6))
            e2e["python_seconds"] = .numbers(py.map(\.seconds))
            e2e["python_peak_rss"] = .numbers(py.map { Double($0.peakRSS) })
            e2e["max_relative_difference_of_means"] = .num(difference)
            e2e["component_means"] = .fields(fedMeans.mapValues { .num($0) })
            if difference > 1e-6 {
                let keys = Set(fedMeans.keys).symmetricDifference(pyMeans.keys).sorted()
                notes.append("Python vs fedreport: components only on one side: \(keys.prefix(10))")
            }
        } else {
            rows.append(
                Row(
                    id: "collect.vs_python", figure: "fedreport collect vs prometheus-api-client + pandas", value: "not run",
                    comparison: "Python ÷ fedreport", ratio: nil, ratioText: "-", target: "≥ 5×", met: nil))
            notes.append("Python: no interpreter at \(o.python); scripts/bench/run.sh creates the venv.")
        }
        details["end_to_end"] = .fields(e2e)
    }

    // MARK: 5. Scale

    mutating func scaleBenchmark(url: String, counts: [Int], postgres: PostgresServer?) throws {
        guard !counts.isEmpty else { return }
        var times: [Int: Double] = [:]
        var rss: [Int: Int] = [:]
        for n in counts {
            note("scale: collecting \(n) cluster(s) with max_concurrency 4")
            let (run, _) = try collect(url: url, clusters: n)
            times[n] = run.seconds
            rss[n] = run.peakRSS
        }
        let ns = counts.sorted()
        let first = ns.first!
        let last = ns.last!
        // Per-cluster time against the smallest N with all 4 workers busy (N ≥ 4), else the smallest.
        let reference = ns.first { $0 >= 4 && $0 < last } ?? first
        let perCluster = { (n: Int) in times[n]! / Double(n) }
        let linear = perCluster(last) / perCluster(reference)
        let table = ns.map { String(format: "N=%d %@ (%@/cluster, %@)", $0, secs(times[$0]!), secs(perCluster($0)), mb(rss[$0]!)) }
            .joined(separator: "; ")
        rows.append(
            Row(
                id: "scale.time", figure: "Scale: time per cluster, N=\(last) vs N=\(reference)",
                value: table, comparison: "(t/N at N=\(last)) ÷ (t/N at N=\(reference))", ratio: linear, ratioText: ratio(linear),
                target: "≤ 1.25× (linear)", met: linear <= 1.25))
        let growth = Double(rss[last]!) / Double(rss[first]!)
        rows.append(
            Row(
                id: "scale.rss", figure: "Scale: peak RSS, N=\(last) vs N=\(first)",
                value: "\(mb(rss[last]!)) vs \(mb(rss[first]!))", comparison: "RSS(N=\(last)) ÷ RSS(N=\(first))", ratio: growth,
                ratioText: ratio(growth), target: "≤ 1.25× (flat) and < 64 MB", met: growth <= 1.25 && rss[last]! < 64 << 20))
        var scaleDetails = Dictionary(
            uniqueKeysWithValues: ns.map {
                ("\($0)", JSONValue.fields(["seconds": .num(times[$0]!), "peak_rss": .num(Double(rss[$0]!))]))
            })
        // The largest N again, into PostgreSQL, right after SQLite on the same data and server.
        if let postgres {
            let name = try postgres.createDatabase("bench_collect_\(last)_\(UUID().uuidString.prefix(8).lowercased())")
            note("scale: collecting \(last) cluster(s) into PostgreSQL")
            let (run, _) = try collect(url: url, clusters: last, database: postgres.url(database: name))
            let factor = run.seconds / times[last]!
            rows.append(
                Row(
                    id: "scale.postgres", figure: "Scale: collect N=\(last) into PostgreSQL vs SQLite, same run",
                    value: "\(secs(run.seconds)) vs \(secs(times[last]!)); peak RSS \(mb(run.peakRSS))",
                    comparison: "PostgreSQL time ÷ SQLite time", ratio: factor, ratioText: ratio(factor),
                    target: "≤ 1.5× and < 64 MB", met: factor <= 1.5 && run.peakRSS < 64 << 20))
            scaleDetails["\(last)_postgres"] = .fields(["seconds": .num(run.seconds), "peak_rss": .num(Double(run.peakRSS))])
            _ = try? postgres.psql("DROP DATABASE \"\(name)\"", database: "postgres")
        } else {
            rows.append(
                Row(
                    id: "scale.postgres", figure: "Scale: collect N=\(last) into PostgreSQL vs SQLite", value: "pending",
                    comparison: "PostgreSQL time ÷ SQLite time", ratio: nil, ratioText: "-", target: "≤ 1.5× and < 64 MB", met: nil))
        }
        details["scale"] = .fields(scaleDetails)
    }

    // MARK: Profile

    mutating func profileDecode() {
        // valgrind 3.19 cannot read the DWARF Swift 6 writes; a copy without debug info keeps the
        // symbol table, which is all a per-function profile needs.
        let stripped = (work as NSString).appendingPathComponent("fedbench-nodebug")
        guard let valgrind = which("valgrind"), let annotate = which("callgrind_annotate") else {
            notes.append("Profile: valgrind is not installed (apt-get install -y valgrind); no callgrind summary.")
            return
        }
        note("profiling the fedreport decode path under callgrind (about a minute)")
        let out = (work as NSString).appendingPathComponent("callgrind.out")
        do {
            guard let strip = which("strip"), try spawn(strip, ["--strip-debug", "-o", stripped, selfPath]).ok else {
                throw BenchError.message("strip (binutils) is needed to profile")
            }
            let run = try spawn(
                valgrind,
                [
                    "--tool=callgrind", "--callgrind-out-file=\(out)", stripped, "decode", "--file", responseFile("container-cpu"),
                    "--runs", "1",
                    "--containers", String(scenario.containers), "--hours", String(scenario.hours),
                ],
                workDirectory: work)
            guard run.ok else { throw BenchError.failed("callgrind", run) }
            let report = try spawn(annotate, ["--inclusive=no", out], workDirectory: work)
            var text = report.stdout
            if let swift = which("swift") {
                let file = (work as NSString).appendingPathComponent("callgrind.txt")
                try text.write(toFile: file, atomically: true, encoding: .utf8)
                let demangled = try spawn("/bin/sh", ["-c", "\(swift) demangle --simplified < \(file)"], workDirectory: work)
                if demangled.ok { text = demangled.stdout }
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var total = ""
            var top: [String] = []
            var inTable = false
            for line in lines {
                if line.contains("PROGRAM TOTALS") { total = line.trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("Ir") || line.contains("file:function") { inTable = true; continue }
                if inTable, line.hasPrefix("-") { continue }
                if inTable, !line.contains("PROGRAM TOTALS"), !line.trimmingCharacters(in: .whitespaces).isEmpty, top.count < 15 {
                    top.append(String(line.trimmingCharacters(in: .whitespaces).prefix(220)))
                }
            }
            details["callgrind"] = .fields(["total": .string(total), "top": .array(top.map { .string($0) })])
            let profileText = "Total instructions: \(total)\n\n" + top.joined(separator: "\n")
            try profileText.write(toFile: (work as NSString).appendingPathComponent("callgrind-top.txt"), atomically: true, encoding: .utf8)
        } catch {
            notes.append("Profile: callgrind failed: \(error.localizedDescription)")
        }
    }

    // MARK: Output

    func machine() -> [String: String] {
        var m: [String: String] = ["cores": String(ProcessInfo.processInfo.activeProcessorCount)]
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") })
        {
            m["cpu"] = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        m["memory_gb"] = String(format: "%.0f", Double(ProcessInfo.processInfo.physicalMemory) / 1e9)
        if let p = which("prometheus"), let run = try? spawn(p, ["--version"]) {
            m["prometheus"] = (run.stdout + run.stderr).split(separator: "\n").first.map(String.init) ?? ""
        }
        m["scenario"] =
            "\(scenario.containers) containers per cluster (OpenShift 4.6.1 figures), \(scenario.hours) h at \(scenario.stepSeconds) s, \(grid.count) points"
        return m
    }

    func write() throws {
        let dir = o.reportDir.hasPrefix("/") ? o.reportDir : (root as NSString).appendingPathComponent(o.reportDir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let generatedAt = ISO8601DateFormatter().string(from: Date())
        let machineInfo = machine()
        let json = JSONValue.fields([
            "generatedAt": .string(generatedAt), "machine": .fields(machineInfo.mapValues { .string($0) }),
            "rows": .array(rows.map(\.json)), "notes": .array(notes.map { .string($0) }), "details": .fields(details),
        ])
        try json.serialized().write(toFile: (dir as NSString).appendingPathComponent("bench.json"), atomically: true, encoding: .utf8)

        var md =
            "# fedreport benchmark\n\nGenerated \(generatedAt) by `make bench`. Medians of several runs; ratios are what travels between machines.\n\n"
        md += markdownTable(rows)
        md += "\n## Machine and data\n\n"
        for (k, v) in machineInfo.sorted(by: { $0.key < $1.key }) { md += "- \(k): \(v)\n" }
        if !notes.isEmpty {
            md += "\n## Notes\n\n"
            for n in notes { md += "- \(n)\n" }
        }
        if case .object(let profile)? = details["callgrind"], case .array(let top)? = profile.first(where: { $0.0 == "top" })?.1,
            case .string(let total)? = profile.first(where: { $0.0 == "total" })?.1
        {
            md +=
                "\n## Where the decode time goes (callgrind, self instructions, one run of the fedreport path incl. reading the file)\n\n```\n\(total)\n"
            for case .string(let line) in top { md += line + "\n" }
            md += "```\n"
        }
        md += "\nRaw runs: bench.json (`details`).\n"
        try md.write(toFile: (dir as NSString).appendingPathComponent("bench.md"), atomically: true, encoding: .utf8)
        print(formatTable(rows))
        if !notes.isEmpty { print("\nNotes:\n" + notes.map { "- " + $0 }.joined(separator: "\n")) }
        print("\nWritten: \(o.reportDir)/bench.md and bench.json")
    }
}
