import FedCore
import FedStoreCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension StoreBed {
    /// Every stored series and container summary as text, keyed by what names a snapshot (not
    /// by ids, which differ between stores): equal texts mean equal content, bit for bit.
    func content() throws -> String {
        let hex = { (column: String) in
            backend == .sqlite ? "hex(\(column))" : "upper(encode(\(column), 'hex'))"
        }
        let series = try sql(
            """
            SELECT s.cluster, s.build, s.start_ms, s.end_ms, s.step_ms, s.partial, s.measurement_hash, s.included_timestamps,
                \(hex("s.included_mask")), c.component, c.category, c.resource, c.members, \(hex("c.values_f64le")),
                \(hex("c.left_out_mask"))
            FROM snapshot s JOIN component_series c ON c.snapshot_id = s.id
            ORDER BY s.cluster, s.build, s.start_ms, c.component, c.resource
            """)
        // The shells print doubles differently (15 digits, shortest round trip): compare nanounits.
        let nano = { (column: String) in
            backend == .sqlite ? "CAST(\(column) * 1000000000 AS INTEGER)" : "trunc(\(column) * 1000000000)::bigint"
        }
        let containers = try sql(
            """
            SELECT s.cluster, s.build, s.start_ms, c.namespace, c.pod, c.container, c.resource, \(nano("c.mean")), \(nano("c.p95")),
                \(nano("c.max")), \(nano("c.coverage")), c.samples
            FROM snapshot s JOIN container_summary c ON c.snapshot_id = s.id
            ORDER BY s.cluster, s.build, s.start_ms, c.namespace, c.pod, c.container, c.resource
            """)
        // SQLite prints booleans as 0/1, PostgreSQL as f/t.
        return (series + "\n--\n" + containers).replacingOccurrences(of: "|f|", with: "|0|").replacingOccurrences(of: "|t|", with: "|1|")
    }
}

/// JSON output of a command with what differs between two stores of the same data taken out:
/// snapshot ids, collection times and report times.
func normalizedJSON(_ text: String) throws -> String {
    func strip(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (key, inner) in object
            where !["id", "snapshot_id", "snapshot_ids", "collected_at_ms", "collectedAt", "generated_at", "generated_at_ms"].contains(key)
            {
                out[key] = strip(inner)
            }
            return out
        }
        if let list = value as? [Any] { return list.map(strip) }
        return value
    }
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    let data = try JSONSerialization.data(withJSONObject: strip(object), options: [.sortedKeys, .fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
}

/// The commands against a real PostgreSQL server as against SQLite: the same data collected into
/// both gives the same answers; push between them; concurrent collects killed midway.
@Suite("Team scale: every command on PostgreSQL, push, concurrent collects", .serialized, .enabled(if: TestBed.shouldRunWithPostgres))
struct TeamScaleTests {
    static let window = CompareScenario.scenario.collectableWindow
    static let windowArguments = ["--start", "\(window.lowerBound / 1000)", "--end", "\(window.upperBound / 1000)"]

    static func collect(_ bed: StoreBed, config: String, _ extra: [String] = []) throws -> RunResult {
        try runFedreport(["collect", "--config", config, "--quiet"] + windowArguments + extra)
    }

    @Test("collect, builds, snapshots, compare, report, trend and nightly give the same answers from PostgreSQL as from SQLite")
    func everyCommand() async throws {
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        var outputs: [StoreBackend: [String: String]] = [:]
        for backend in [StoreBackend.sqlite, .postgres] {
            let bed = try await StoreBed.make(backend, "every-\(backend.rawValue)")
            let config = try bed.config(url: server.url)
            let collected = try Self.collect(bed, config: config)
            #expect(collected.status == 0, "\(backend): \(collected.stderr)")
            #expect(try bed.counts()[0] == 4, "\(backend): a snapshot per cluster")
            func run(_ arguments: [String]) throws -> String {
                let result = try runFedreport(arguments + ["--config", config])
                #expect(result.status == 0, "\(backend) \(arguments.joined(separator: " ")): \(result.stderr)")
                return result.stdout
            }
            var out: [String: String] = [:]
            out["builds"] = try normalizedJSON(try run(["builds", "--format", "json"]))
            out["snapshots"] = try normalizedJSON(try run(["snapshots", "--format", "json"]))
            let id = try #require(try bed.sql("SELECT id FROM snapshot WHERE cluster = 'cmp-a'").split(separator: "\n").first)
            out["containers"] = try normalizedJSON(try run(["snapshots", "--containers", String(id), "--format", "json"]))
            let hash = try #require(try bed.sql("SELECT hash FROM query_set").split(separator: "\n").first)
            out["query-set"] = try normalizedJSON(try run(["snapshots", "--query-set", String(hash.prefix(12)), "--format", "json"]))
            out["compare"] = try normalizedJSON(
                try run(["compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--format", "json", "--output", "-"]))
            out["report"] = try normalizedJSON(
                try run(["report", "--distribution", "ocp", "--baseline", "k3s", "--format", "json", "--output", "-"]))
            out["trend"] = try normalizedJSON(try run(["trend", "--distribution", "ocp", "--format", "json", "--output", "-"]))
            // nightly: collect again (replacing each snapshot) and report, into a folder.
            let nightly = try runFedreport(
                ["nightly", "--config", config, "--quiet", "--baseline", "k3s", "--format", "md", "--output", bed.folder]
                    + Self.windowArguments)
            #expect(nightly.status == 0, "\(backend) nightly: \(nightly.stderr)")
            #expect(try bed.counts()[0] == 4, "\(backend): nightly replaced, not added")
            #expect(nightly.stdout.contains(bed.folder))
            outputs[backend] = out
        }
        let sqlite = try #require(outputs[.sqlite])
        let postgres = try #require(outputs[.postgres])
        #expect(Set(sqlite.keys) == Set(postgres.keys))
        for (name, text) in sqlite {
            #expect(text.count > 20, "\(name) printed nothing")
            #expect(postgres[name] == text, "\(name) differs between SQLite and PostgreSQL")
        }
    }

    @Test("push SQLite → PostgreSQL → SQLite keeps every bit; pushing twice changes nothing; the password never shows")
    func pushThroughTheBinary() async throws {
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        let source = try await StoreBed.make(.sqlite, "push-bin-src")
        let config = try source.config(url: server.url)
        #expect(try Self.collect(source, config: config).status == 0)

        // The target is owned by a role that logs in with a password.
        let postgres = try await TestBed.postgres()
        let password = "pw-\(UUID().uuidString)"
        let role = "pusher_\(UUID().uuidString.prefix(6).lowercased())"
        try postgres.createRole(role, password: password)
        let name = try postgres.createDatabase("t_push_bin_\(UUID().uuidString.prefix(8).lowercased())", owner: role)
        let target = StoreBed(
            backend: .postgres, database: postgres.url(database: name, user: role), folder: source.folder, server: postgres, name: name)
        let passwordFile = "\(source.folder)/pgpass"
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)

        let first = try runFedreport(["push", "--config", config, "--to", target.database, "--to-password-file", passwordFile])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("4 new, 0 replaced, 0 already there, 0 kept complete"), "\(first.stderr)")
        #expect(!first.stdout.contains(password) && !first.stderr.contains(password))
        #expect(try target.counts() == source.counts())
        #expect(try target.content() == source.content())
        let dump = try target.dump()
        let second = try runFedreport(
            ["push", "--config", config, "--to", target.database], environment: ["PGPASSWORD": password])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("0 new, 0 replaced, 4 already there"), "\(second.stderr)")
        #expect(try target.dump() == dump)

        // Back into a new SQLite file, reading PostgreSQL through FEDREPORT_DATABASE_URL.
        let back = "\(source.folder)/back.sqlite"
        // The folder's fedreport.yaml names the SQLite source; the variable overrides it.
        let returned = try runFedreport(
            ["push", "--to", back], in: source.folder, environment: ["FEDREPORT_DATABASE_URL": target.database, "PGPASSWORD": password])
        #expect(returned.status == 0, "\(returned.stderr)")
        let backBed = StoreBed(backend: .sqlite, database: back, folder: source.folder, server: nil, name: nil)
        #expect(try backBed.content() == source.content())
        #expect(try backBed.counts() == source.counts())

        // A password in the URL is refused, masked, before anything is opened.
        let leaky = target.database.replacingOccurrences(of: "\(role)@", with: "\(role):\(password)@")
        let refused = try runFedreport(["push", "--config", config, "--to", leaky])
        #expect(refused.status == 1)
        #expect(!refused.stderr.contains(password) && refused.stderr.contains("\(role):****@"), "\(refused.stderr)")
        // So is one given as libpq's password parameter.
        let query = target.database + (target.database.contains("?") ? "&" : "?") + "password=\(password)"
        let refusedQuery = try runFedreport(["push", "--config", config, "--to", query])
        #expect(refusedQuery.status == 1)
        #expect(
            !refusedQuery.stderr.contains(password) && refusedQuery.stderr.contains("password=****"), "\(refusedQuery.stderr)")
        #expect(try target.dump() == dump)
        // Pushing a database into itself is a usage error.
        let itself = try runFedreport(["push", "--config", config, "--to", source.database])
        #expect(itself.status == 2 && itself.stderr.contains("the configured database itself"), "\(itself.stderr)")
    }

    @Test("database_password_file and FEDREPORT_DATABASE_URL reach the server; without a password the error says where it goes")
    func passwordKeys() async throws {
        let postgres = try await TestBed.postgres()
        let password = "pw-\(UUID().uuidString)"
        let role = "reader_\(UUID().uuidString.prefix(6).lowercased())"
        try postgres.createRole(role, password: password)
        let name = try postgres.createDatabase("t_keys_\(UUID().uuidString.prefix(8).lowercased())", owner: role)
        let url = postgres.url(database: name, user: role)
        let folder = try temporaryFolder("pg-keys")
        try (password + "\n").write(toFile: "\(folder)/password", atomically: true, encoding: .utf8)
        let config = "\(folder)/fedreport.yaml"
        try "database: \(url)\ndatabase_password_file: \(folder)/password\n".write(toFile: config, atomically: true, encoding: .utf8)
        // An empty store: builds lists nothing, after collect would have made the tables; the
        // read-only session refuses to make them and says to collect first.
        let empty = try runFedreport(["builds", "--config", config])
        #expect(empty.status == 1 && empty.stderr.contains("Run `fedreport collect`"), "\(empty.stderr)")
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        let collected = try runFedreport(
            ["collect", "--config", config, "--url", server.url, "--quiet", "--cluster", "cmp-a"] + Self.windowArguments)
        #expect(collected.status == 0, "\(collected.stderr)")
        let builds = try runFedreport(
            ["builds", "--format", "json"], in: folder, environment: ["FEDREPORT_DATABASE_URL": url, "PGPASSWORD": password])
        #expect(builds.status == 0 && builds.stdout.contains("\"4.6.1\""), "\(builds.stderr)")
        let refused = try runFedreport(["builds"], in: try temporaryFolder("pg-nokey"), environment: ["FEDREPORT_DATABASE_URL": url])
        #expect(refused.status == 1 && refused.stderr.contains("PGPASSWORD") && refused.stderr.contains("database_password_file"))
        for output in [empty, collected, builds, refused] {
            #expect(!output.stdout.contains(password) && !output.stderr.contains(password))
        }
    }

    @Test("8 concurrent collects, 3 of them SIGKILLed midway: no snapshot lost, none twice, every one whole", arguments: StoreBackend.all)
    func concurrentCollects(backend: StoreBackend) async throws {
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        // What one undisturbed run stores, to hold the others against.
        let reference = try await StoreBed.make(.sqlite, "conc-ref")
        #expect(try Self.collect(reference, config: try reference.config(url: server.url)).status == 0)
        let expected = try reference.content()
        let expectedCounts = try reference.counts()

        let proxy = try FaultProxy(upstream: server.url)
        defer { proxy.stop() }
        // Stretch each run to a second or two, so the runs overlap and kills land inside them.
        proxy.latency = 0.05
        let bed = try await StoreBed.make(backend, "conc-\(backend.rawValue)")
        let config = try bed.config(url: proxy.url)
        let clusterSets: [[String]] = [
            [], ["cmp-a", "cmp-b"], ["cmp-k3s"], [], ["cmp-b", "cmp-hostile"], ["cmp-a"], [], ["cmp-k3s", "cmp-a"],
        ]
        var runs: [Spawned] = []
        for clusters in clusterSets {
            let arguments =
                ["collect", "--config", config, "--quiet", "--wait"] + Self.windowArguments + clusters.flatMap { ["--cluster", $0] }
            runs.append(try Spawned(arguments, folder: bed.folder))
        }
        // Kill three runs still going at different moments: waiting for their turn, querying or
        // writing. Run 0 (every cluster) is spared, so each cluster is stored by a finished run.
        var killed: [Int] = []
        // A blocking sleep: the thread is ours until the kills are done, whereas an awaited
        // sleep can resume seconds late when other suites hold the few cooperative threads.
        for delay in [0.3, 0.2, 0.2] {
            usleep(UInt32(delay * 1e6))
            guard let victim = runs.indices.dropFirst().filter({ !killed.contains($0) && runs[$0].process.isRunning }).randomElement()
            else { break }
            kill(runs[victim].pid, SIGKILL)
            killed.append(victim)
        }
        #expect(killed.count == 3, "only \(killed.count) runs were still going to be killed")
        let results = runs.map { $0.wait() }
        for (index, result) in results.enumerated() {
            if killed.contains(index) {
                #expect(result.status == SIGKILL, "run \(index) had ended before its kill: \(result.stderr)")
            } else {
                #expect(result.status == 0, "run \(index): \(result.stderr)")
            }
        }
        // Every cluster was collected by at least one run that finished: the store holds exactly
        // what one undisturbed run stores, each snapshot with all its rows.
        #expect(try bed.counts() == expectedCounts)
        #expect(try bed.content() == expected)
        let half = try bed.sql(
            """
            SELECT count(*) FROM snapshot s
            WHERE (SELECT count(*) FROM component_series c WHERE c.snapshot_id = s.id) = 0
               OR (SELECT count(*) FROM container_summary c WHERE c.snapshot_id = s.id) = 0
            """)
        #expect(half == "0")
        if backend == .postgres {
            // A killed run that was waiting for a claim leaves when it gets the lock and finds its
            // client gone; none may linger past that, or hold a lock.
            let gone = try await waitUntil(15) {
                (try? bed.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                    == "0"
            }
            #expect(gone)
        } else {
            #expect(try bed.sql("PRAGMA integrity_check") == "ok")
        }
        // A run after all that completes and replaces each snapshot once.
        let rerun = try Self.collect(bed, config: config)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try bed.counts() == expectedCounts)
    }
}
