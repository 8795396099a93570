import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// A private copy of the compare scenario's database, in a folder of its own, and a configuration
/// beside it that points at it (the querier is the compare scenario's Prometheus).
struct CopiedDatabase {
    let folder: String
    let database: String
    let config: String

    /// Copies the database `ComparedDatabase` collected into `<new folder>/<subfolder>/`.
    static func make(_ name: String, subfolder: String = "db") async throws -> CopiedDatabase {
        let (source, _) = try await ComparedDatabase.shared.get()
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        // The collect folded its log into the file: the file alone is the whole database.
        let log = (try? FileManager.default.attributesOfItem(atPath: "\(source)/fedreport.sqlite-wal"))?[.size] as? Int ?? 0
        guard log == 0 else { throw NSError(domain: "the compare database has a write-ahead log of \(log) bytes", code: 1) }
        let folder = try temporaryFolder(name)
        let databaseFolder = "\(folder)/\(subfolder)"
        try FileManager.default.createDirectory(atPath: databaseFolder, withIntermediateDirectories: true)
        let database = "\(databaseFolder)/fedreport.sqlite"
        try FileManager.default.copyItem(atPath: "\(source)/fedreport.sqlite", toPath: database)
        let config = "\(folder)/fedreport.yaml"
        try "querier:\n  url: \(server.url)\ndatabase: \(database)\n".write(toFile: config, atomically: true, encoding: .utf8)
        return CopiedDatabase(folder: folder, database: database, config: config)
    }

    /// The names in the database's folder.
    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: (database as NSString).deletingLastPathComponent).sorted()
    }
}

/// Sets the owner (the unprivileged user of `runFedreport`) and the mode of `path`.
func own(_ path: String, mode: Int) throws {
    let owner = unprivilegedOwner
    try FileManager.default.setAttributes(
        [.ownerAccountID: NSNumber(value: owner.uid), .groupOwnerAccountID: NSNumber(value: owner.gid), .posixPermissions: mode],
        ofItemAtPath: path)
}

func jsonDictionary(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("Read-only databases and the nightly's report folder", .serialized, .enabled(if: TestBed.shouldRun))
struct ReadOnlyTests {
    /// The reading commands, each with what its output must show of the compare scenario:
    /// builds 4.6.1 and 4.7.0, etcd's planted +20 % CPU a regression.
    func readEverything(_ db: CopiedDatabase, label: String) throws {
        func run(_ arguments: [String]) throws -> RunResult {
            let result = try runFedreport(arguments + ["--config", db.config], unprivileged: true)
            #expect(result.status == 0, "\(label): \(arguments.first ?? ""): \(result.stderr)")
            return result
        }
        let builds = try run(["builds", "--format", "json"])
        let names = (try JSONSerialization.jsonObject(with: Data(builds.stdout.utf8)) as? [[String: Any]])?.compactMap {
            $0["build"] as? String
        }
        #expect(names.map(Set.init) == [CompareScenario.hostileBuild, "4.6.1", "4.7.0", "v1.26.5+k3s1"], "\(label)")
        let snapshots = try run(["snapshots", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(snapshots.stdout.utf8)) as? [Any])?.count == 4, "\(label)")
        let compare = try jsonDictionary(
            try run(["compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--format", "json", "--output", "-"]).stdout)
        let etcd = (compare["components"] as? [[String: Any]])?.first {
            $0["component"] as? String == "etcd" && $0["resource"] as? String == "cpu"
        }
        #expect(etcd?["verdict"] as? String == "regression", "\(label)")
        let report = try jsonDictionary(try run(["report", "--format", "json", "--output", "-"]).stdout)
        #expect(report["distribution"] as? String == "ocp", "\(label)")
        // The hostile build is no version: it comes after those, in the order collected.
        let trend = try jsonDictionary(try run(["trend", "--format", "json", "--output", "-"]).stdout)
        #expect(trend["builds"] as? [String] == ["4.6.1", "4.7.0", CompareScenario.hostileBuild], "\(label)")
    }

    @Test("builds, snapshots, compare, report and trend read a database chmod 444, and leave no -wal or -shm beside it")
    func readOnlyFile() async throws {
        let db = try await CopiedDatabase.make("ro-file")
        try own((db.database as NSString).deletingLastPathComponent, mode: 0o755)
        try own(db.database, mode: 0o444)
        try readEverything(db, label: "chmod 444")
        // SQLite would have made read-only companions here that a later writer trips over.
        #expect(try db.files() == ["fedreport.sqlite"])
    }

    @Test("the same in a read-only folder, without a write-ahead log")
    func readOnlyFolder() async throws {
        let db = try await CopiedDatabase.make("ro-folder")
        let folder = (db.database as NSString).deletingLastPathComponent
        try own(db.database, mode: 0o444)
        try own(folder, mode: 0o555)
        defer { try? own(folder, mode: 0o755) }
        try readEverything(db, label: "read-only folder")
        #expect(try db.files() == ["fedreport.sqlite"])
    }

    @Test("a read-only folder whose write-ahead log holds changes: read through its index; without the index, a clear error")
    func readOnlyFolderWithLog() async throws {
        let db = try await CopiedDatabase.make("ro-wal")
        let folder = (db.database as NSString).deletingLastPathComponent
        // A change that stays in the log, as after a writer that was killed: cmp-a is renamed.
        _ = try Tools.run(
            try Tools.require("sqlite3", package: "sqlite3"),
            [
                db.database, ".dbconfig no_ckpt_on_close on", "PRAGMA wal_autocheckpoint = 0;",
                "UPDATE snapshot SET cluster = 'cmp-wal' WHERE cluster = 'cmp-a';",
            ])
        let log = (try FileManager.default.attributesOfItem(atPath: db.database + "-wal"))[.size] as? Int ?? 0
        #expect(log > 0)
        #expect(try db.files() == ["fedreport.sqlite", "fedreport.sqlite-shm", "fedreport.sqlite-wal"])
        for file in try db.files() { try own("\(folder)/\(file)", mode: 0o444) }
        try own(folder, mode: 0o555)
        defer { try? own(folder, mode: 0o755) }
        // The renamed cluster is read: the log was not ignored.
        let builds = try runFedreport(["builds", "--format", "json", "--config", db.config], unprivileged: true)
        #expect(builds.status == 0, "\(builds.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(builds.stdout.utf8)) as? [[String: Any]])
        #expect(list.first { $0["build"] as? String == "4.6.1" }?["clusters"] as? [String] == ["cmp-wal"])
        let compare = try runFedreport(
            ["compare", "4.6.1", "4.7.0", "--format", "json", "--output", "-", "--config", db.config], unprivileged: true)
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect((try jsonDictionary(compare.stdout)["a"] as? [String: Any])?["clusters"] as? [String] == ["cmp-wal"])
        // Without the index, SQLite cannot read the log in that folder: say so and what to do.
        try own(folder, mode: 0o755)
        try FileManager.default.removeItem(atPath: db.database + "-shm")
        try own(folder, mode: 0o555)
        let refused = try runFedreport(["builds", "--config", db.config], unprivileged: true)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("'\(db.database)' can only be read here, and its write-ahead log '\(db.database)-wal'"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("copy the database with its -wal file"))
    }

    @Test("nightly checks the report folder before it collects: exit 1 naming the folder and the fix, nothing asked or stored")
    func nightlyReportFolder() async throws {
        let bed = try await Bed.make("nightly-folder")
        defer { bed.proxy.stop() }
        // A path under a file, which no one can make a folder of.
        let file = "\(bed.folder)/a-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let underFile = try runFedreport(["nightly", "--config", bed.config, "--output", "\(file)/reports"] + Bed.windowArguments)
        #expect(underFile.status == 1)
        #expect(
            underFile.stderr.contains("Cannot write reports to folder '\(file)/reports' ('\(file)' is a file, not a folder)"),
            "\(underFile.stderr)")
        #expect(underFile.stderr.contains("nothing was collected and the database is as it was"))
        #expect(underFile.stderr.contains("--output or report.output"))
        // A read-only folder, for a user who may write the database's folder.
        let reports = "\(bed.folder)/reports"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        try own(bed.folder, mode: 0o755)
        try own(bed.config, mode: 0o644)
        try own(reports, mode: 0o555)
        let readOnly = try runFedreport(
            ["nightly", "--config", bed.config, "--output", reports] + Bed.windowArguments, unprivileged: true)
        #expect(readOnly.status == 1)
        #expect(readOnly.stderr.contains("Cannot write reports to folder '\(reports)' (Permission denied)"), "\(readOnly.stderr)")
        #expect(bed.proxy.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: bed.database))
    }
}

@Suite("Terminal feedback: findings, --quiet and --verbose", .serialized, .enabled(if: TestBed.shouldRun))
struct TerminalFeedbackTests {
    @Test("compare prints one line per regression on stderr, before the paths of the reports on stdout")
    func compareFindings() async throws {
        let db = try await CopiedDatabase.make("findings")
        let out = "\(db.folder)/out"
        let run = try runFedreport(
            ["compare", "4.6.1", "4.7.0", "--config", db.config, "--format", "json,md", "--output", out], mergingStderr: true)
        #expect(run.status == 0, "\(run.stdout)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let findings = lines.filter { $0.hasPrefix("regression ") }
        let paths = lines.filter { $0.hasPrefix(out) }
        // The planted changes, by hand: etcd CPU 0.30 → 0.36 (+20 %); kube-apiserver memory
        // 900 → 1080 MB (+20 %); control-plane memory (etcd, kube-apiserver, service-ca)
        // 1320 → 1500 MB (+13.6 %); the memory total 1515 → 1740 MB (+14.9 %: kubelet 150,
        // dns 30, service-ca 20, keepalived 15 in A only, insights 60 in B only). The CPU of
        // control-plane (0.801 → 0.7615, −4.9 %) and of the total (−2.9 %) do not count.
        let json = try jsonDictionary(try String(contentsOfFile: try #require(paths.first { $0.hasSuffix(".json") }), encoding: .utf8))
        func id(_ list: String, _ key: String, _ name: String, _ resource: String) -> String {
            ((json[list] as? [[String: Any]])?.first { $0[key] as? String == name && $0["resource"] as? String == resource }?["id"]
                as? String)
                ?? "?"
        }
        #expect(
            findings == [
                "regression \(id("components", "component", "etcd", "cpu")): etcd cpu +20.0 % (4.6.1 → 4.7.0)",
                "regression \(id("components", "component", "kube-apiserver", "memory")): kube-apiserver memory +20.0 % (4.6.1 → 4.7.0)",
                "regression \(id("categories", "category", "control-plane", "memory")): category:control-plane memory +13.6 % (4.6.1 → 4.7.0)",
                "regression \(id("totals", "unit", "bytes", "memory")): total memory +14.9 % (4.6.1 → 4.7.0)",
            ], "\(run.stdout)")
        #expect(paths.count == 2)
        let lastFinding = try #require(lines.lastIndex { $0.hasPrefix("regression ") })
        let firstPath = try #require(lines.firstIndex { $0.hasPrefix(out) })
        #expect(lastFinding < firstPath)
        #expect(lines.contains("4 regression(s) from 4.6.1 to 4.7.0."))
        // With --quiet, none of it.
        let quiet = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", db.config, "--format", "json", "--output", out, "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix(out))
    }

    @Test("report prints one line per change point, with its id, row, change and direction, before the paths")
    func reportChangePoints() async throws {
        let (folder, config) = try await NightlyDatabases.shared.get("nightly-step", NightlyScenario.step)
        let out = "\(folder)/findings"
        let run = try runFedreport(
            ["report", "--config", config, "--builds", "16", "--format", "json", "--output", out], mergingStderr: true)
        #expect(run.status == 0, "\(run.stdout)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let path = try #require(lines.last)
        #expect(path.hasPrefix(out) && path.hasSuffix(".json"))
        let json = try jsonDictionary(try String(contentsOfFile: path, encoding: .utf8))
        let points = try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]])
        // The planted step shows on etcd and its category (TrendIntegrationTests.plantedStep).
        let findings = lines.filter { $0.hasPrefix("change point ") }
        #expect(findings.count == 2 && points.count == 2)
        for (name, level) in [("etcd", "component"), ("category:control-plane", "category")] {
            let point = try #require(points.first { $0["level"] as? String == level })
            let id = try #require(point["id"] as? String)
            let build = try #require(point["build"] as? String)
            // 16 builds, the step at 11 = 16 − 5: provisional, up to the newest build.
            let newest = NightlyScenario.stepBuilds[15].version
            #expect(point["provisional"] as? Bool == true)
            #expect(
                findings.contains {
                    $0.hasPrefix("change point \(id) (provisional): \(name) cpu +")
                        && $0.hasSuffix("% from \(build) (may move up to \(newest)), regression")
                }, "\(findings)")
        }
    }

    @Test("--quiet: nothing on stderr from any command that has nothing wrong to say; an error still says so")
    func quiet() async throws {
        let bed = try await Bed.make("quiet")
        defer { bed.proxy.stop() }
        let db = try await CopiedDatabase.make("quiet-compare")
        let window = Bed.windowArguments
        let end = ["--end", "\(Bed.window.upperBound / 1000)"]
        let runs: [[String]] = [
            ["check", "--config", bed.config] + end,
            ["query", "up", "--config", bed.config] + window,
            ["components", "--config", bed.config] + window,
            ["collect", "--config", bed.config] + window,
            ["nightly", "--config", bed.config, "--output", "\(bed.folder)/nightly"] + window,
            ["builds", "--config", db.config],
            ["snapshots", "--config", db.config, "--build", "4.7.0"],
            ["compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--config", db.config, "--output", "\(db.folder)/out"],
            ["report", "--baseline", "k3s", "--config", db.config, "--output", "\(db.folder)/out"],
            ["trend", "--config", db.config, "--output", "\(db.folder)/out"],
            ["push", "--config", db.config, "--to", "\(db.folder)/pushed.sqlite"],
            ["dashboard", "--config", db.config, "--output", "\(db.folder)/dashboard.json"],
            ["federation", "--config", db.config, "--cluster", "edge-0", "--remote-write-url", "https://hub.example/api/v1/receive"],
        ]
        for arguments in runs {
            let loud = try runFedreport(arguments)
            #expect(loud.status == 0, "\(arguments.first ?? ""): \(loud.stderr)")
            let quiet = try runFedreport(arguments + ["--quiet"])
            #expect(quiet.status == 0, "\(arguments.first ?? ""): \(quiet.stderr)")
            #expect(quiet.stderr.isEmpty, "\(arguments.first ?? "") --quiet: \(quiet.stderr)")
            #expect(!quiet.stdout.isEmpty, "\(arguments.first ?? "") --quiet printed no result")
        }
        // What says why the exit code is not 0 stays: the regressions that fail the run, an error.
        let failing = try runFedreport(
            ["compare", "4.6.1", "4.7.0", "--config", db.config, "--output", "\(db.folder)/out", "--fail-on-regression", "-q"])
        #expect(failing.status == 3)
        #expect(failing.stderr == "4 regression(s) from 4.6.1 to 4.7.0.\n")
        let unknown = try runFedreport(["compare", "4.6.1", "4.9.9", "--config", db.config, "-q"])
        #expect(unknown.status == 4)
        #expect(unknown.stderr.hasPrefix("error: Build '4.9.9' has no snapshots.") && unknown.stderr.split(separator: "\n").count == 1)
    }

    @Test("--verbose names the pooled snapshots, the thresholds, the acks file and each request with its status and series")
    func verbose() async throws {
        let db = try await CopiedDatabase.make("verbose")
        try "- {component: etcd, resource: cpu, build: 4.7.0, reason: accepted, ticket: PERF-1}\n".write(
            toFile: "\(db.folder)/acks.yaml", atomically: true, encoding: .utf8)
        // The ids of each build's snapshots, as the store lists them.
        let listed = try runFedreport(["snapshots", "--config", db.config, "--format", "json"])
        let snapshots = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        func ids(_ build: String) -> String {
            snapshots.filter { $0["build"] as? String == build }.compactMap { ($0["id"] as? NSNumber)?.int64Value }.sorted()
                .map { "#\($0)" }.joined(separator: ", ")
        }
        let run = try runFedreport(
            [
                "compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--config", db.config, "--output", "\(db.folder)/out", "-v",
                "--threshold", "10",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("info: acks: \(db.folder)/acks.yaml (1 entry)"))
        #expect(lines.contains("info: thresholds: a change of 10 % of the mean and at least 5.0 m CPU or 10.0 MiB memory"))
        #expect(lines.contains("info: A 4.6.1: snapshots \(ids("4.6.1")) (cmp-a)"))
        #expect(lines.contains("info: B 4.7.0: snapshots \(ids("4.7.0")) (cmp-b)"))
        #expect(lines.contains("info: baseline v1.26.5+k3s1: snapshots \(ids("v1.26.5+k3s1")) (cmp-k3s)"))
        #expect(
            lines.contains { $0.hasPrefix("regression ") && $0.contains(": etcd cpu +20.0 %") && $0.hasSuffix(", acknowledged (PERF-1)") })
        // Without --verbose, none of the info lines.
        let plain = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", db.config, "--output", "\(db.folder)/out"])
        #expect(!plain.stderr.contains("info:"))

        // Requests: one line each once answered, with the status, the series and the time taken.
        let bed = try await Bed.make("verbose-requests")
        defer { bed.proxy.stop() }
        let collect = try runFedreport(["collect", "--config", bed.config, "-v"] + Bed.windowArguments)
        #expect(collect.status == 0, "\(collect.stderr)")
        let requests = collect.stderr.split(separator: "\n").filter { $0.hasPrefix("debug: POST \(bed.proxy.url)/api/v1/query_range: ") }
        #expect(requests.count == bed.proxy.requests.filter { $0.path == "/api/v1/query_range" }.count)
        // The build timeline: cluster_version of small-ocp-0 for 4.6.1, type current and
        // completed: two series.
        let timeline = try #require(requests.first { $0.contains("cluster_version{cluster=\"small-ocp-0\"") })
        #expect(timeline.range(of: #": HTTP 200, 2 series in \d+\.\d\d s \(query: "#, options: .regularExpression) != nil, "\(timeline)")
        #expect(collect.stderr.contains("debug: GET \(bed.proxy.url)/api/v1/status/buildinfo: HTTP 200, "))
    }
}

@Suite("Usage errors and what is not stored", .serialized, .enabled(if: TestBed.shouldRun))
struct UsageErrorTests {
    @Test("a bad value on the command line exits 2 with the subcommand's usage, naming the flag, not a file")
    func badValues() throws {
        let cases: [([String], String, String)] = [
            (["collect", "--url", "ftp://hub"], "collect", "--url 'ftp://hub' is not an http:// or https:// URL"),
            (["collect", "--url", "https://user:secret@hub"], "collect", "--url must be a URL without user:password@"),
            (["report", "--since", "yesterday"], "report", "--since 'yesterday' is not a time"),
            (["compare", "4.6.1", "4.6.8", "--until", "tomorrow"], "compare", "--until 'tomorrow' is not a time"),
            (["nightly", "--deadline", "soon"], "nightly", "--deadline 'soon' is not a duration"),
            (["check", "--end", "later"], "check", "--end 'later' is not a time"),
            (["collect", "--start", "2026-11-02", "--end", "2026-11-01"], "collect", "--end must not be before --start."),
            (["query", "up", "--start", "now", "--end", "now", "--step", "0s"], "query", "--step must be above 0s"),
            (["snapshots", "--component", "etcd"], "snapshots", "--component narrows the drill-down of one snapshot"),
        ]
        for (arguments, command, message) in cases {
            let run = try runFedreport(arguments)
            #expect(!run.stderr.contains("secret"), "\(arguments): a password echoed")
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("Usage: fedreport \(command) "), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("the command line"), "\(arguments): \(run.stderr)")
        }
    }

    @Test("a usage error found once the command runs shows that command's usage too")
    func runTimeUsage() async throws {
        let db = try await CopiedDatabase.make("usage-run")
        let push = try runFedreport(["push", "--config", db.config, "--to", db.database])
        #expect(push.status == 2)
        #expect(push.stderr.contains("--to names the configured database itself"))
        #expect(push.stderr.contains("Usage: fedreport push "), "\(push.stderr)")
        let trend = try runFedreport(["trend", "--config", db.config, "--component", "etcdd", "--output", "-", "--format", "json"])
        #expect(trend.status == 2)
        #expect(trend.stderr.contains("Usage: fedreport trend "), "\(trend.stderr)")
    }

    @Test("a configuration with several unknown keys lists them all, each with its likely meaning")
    func unknownKeys() throws {
        let folder = try temporaryFolder("unknown-keys")
        let config = "\(folder)/fedreport.yaml"
        try "querier:\n  urll: http://localhost:9090\ncolect:\n  step: 30s\nreport:\n  treshold: 5\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let run = try runFedreport(["builds", "--config", config])
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "error: 3 unknown keys in '\(config)':")
        #expect(lines.count == 4)
        #expect(
            lines.dropFirst().map { $0.components(separatedBy: "Known keys here").first ?? "" } == [
                "  'colect': did you mean 'collect'? ", "  'querier.urll': did you mean 'url'? ",
                "  'report.treshold': did you mean 'threshold'? ",
            ])
    }

    @Test("snapshots --build or --component of something not stored exits 4 with what is")
    func notStored() async throws {
        let db = try await CopiedDatabase.make("not-stored")
        let build = try runFedreport(["snapshots", "--config", db.config, "--build", "4.6.2"])
        #expect(build.status == 4)
        #expect(
            build.stderr
                == "error: Build '4.6.2' has no snapshots. Known builds: v1.26.5+k3s1, 4.6.1, 4.7.0, \(CompareScenario.hostileBuild). Run `fedreport collect` for it or pick a known build.\n"
        )
        let listed = try runFedreport(["snapshots", "--config", db.config, "--build", "4.6.1", "--format", "json"])
        let id = try #require(
            ((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? NSNumber))
        // cmp-a of 4.6.1 ran etcd, kube-apiserver, dns, service-ca and keepalived, and kubelet as
        // a host service; the shipped map names their components.
        let component = try runFedreport(["snapshots", "--config", db.config, "--containers", "\(id)", "--component", "etcdd"])
        #expect(component.status == 4)
        #expect(component.stderr.hasPrefix("error: Snapshot #\(id) has no component 'etcdd' (did you mean 'etcd'?). Its components: "))
        for name in ["etcd", "kube-apiserver", "dns", "kubelet"] { #expect(component.stderr.contains(name), "\(name)") }
        let missing = try runFedreport(["snapshots", "--config", db.config, "--containers", "999"])
        #expect(missing.status == 4)
        #expect(missing.stderr == "error: No snapshot #999. `fedreport snapshots` lists the ids.\n")
    }
}
