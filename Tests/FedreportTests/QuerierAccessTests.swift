import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// What a collect stored, as the sqlite3 tool prints it, leaving out what differs between two
/// runs over the same data: ids, the querier's URL and server build, the time of collection.
func storedFigures(_ database: String) throws -> String {
    try sqlite(
        database,
        """
        SELECT cluster, distribution, build, start_ms, end_ms, step_ms, included_timestamps, query_set_hash,
               left_out_no_version, left_out_multiple_versions, left_out_settling, left_out_non_finite_samples,
               warnings, partial, no_data
          FROM snapshot ORDER BY cluster, build, start_ms;
        SELECT s.cluster, s.build, c.component, c.category, c.resource, c.members, hex(c.values_f64le)
          FROM component_series c JOIN snapshot s ON s.id = c.snapshot_id ORDER BY 1, 2, 3, 5;
        SELECT s.cluster, s.build, c.namespace, c.pod, c.container, c.component, c.resource,
               c.mean, c.min, c.p50, c.p90, c.p95, c.p99, c.max, c.samples, c.coverage
          FROM container_summary c JOIN snapshot s ON s.id = c.snapshot_id ORDER BY 1, 2, 3, 4, 5, 7;
        """)
}

/// The range-query parameters a request carried: query, start, end, step.
typealias RangeRequest = [String]

/// A PromQL expression of about 13,000 characters: too long for a GET URL of 8 KiB.
let longQuery = #"count(up{job=~""# + (0..<1500).map { "job-\($0)" }.joined(separator: "|") + #""}) or vector(0)"#

@Suite("Querier access through the fault proxy: rotating token files, querier.method", .serialized, .enabled(if: TestBed.shouldRun))
struct TokenFileTests {
    typealias Q = SmallQueries

    /// A bed whose token comes from a file the proxy checks (and rewrites, as its rules say).
    func tokenBed(_ name: String, querier: String = "") async throws -> (bed: Bed, file: String, token: String) {
        let folder = try temporaryFolder("token-\(name)")
        let file = "\(folder)/token"
        let token = "sha256~\(UUID().uuidString)"
        try (token + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let bed = try await Bed.make(name, querier: "  bearer_token_file: \(file)\n" + querier, folder: folder)
        try bed.proxy.checkTokens(file: file)
        return (bed, file, token)
    }

    func token(in file: String) throws -> String {
        try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the token file rewritten between requests: each request carries the token the file holds then, no 401")
    func rotatedBetweenRequests() async throws {
        // One request at a time, so that each one starts after the previous answer, and thus
        // after the proxy rewrote the file.
        let (bed, file, first) = try await tokenBed("between", querier: "  max_concurrency: 1")
        defer { bed.proxy.stop() }
        bed.proxy.changeToken(.rotateAfterCheck, when: ProxyMatch(path: "/api/v1/query_range"), on: .always)
        let run = try bed.collect()
        #expect(run.status == 0, "\(run.stderr)")
        // The build timeline, the machine-config pools, the nodes and the four OpenShift queries.
        let queries = bed.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(queries.count == 7)
        #expect(bed.proxy.requests.allSatisfy { $0.fault == nil })
        let sent = queries.map { $0.headers["authorization"] ?? "" }
        #expect(sent.first == "Bearer \(first)")
        // A new token for every range query: the file was rewritten after each one was checked.
        #expect(Set(sent).count == 7)
        let last = try token(in: file)
        #expect(!sent.contains("Bearer \(last)") && last == bed.proxy.acceptedToken)
        let snapshots = try bed.store().snapshots()
        #expect(snapshots.count == 1 && snapshots.allSatisfy { !$0.partial && $0.warnings.isEmpty })
        #expect(!run.stderr.contains(first) && !run.stdout.contains(first))
    }

    @Test("401, and the file rewritten between the request and the retry: sent once more with the new token, complete")
    func rotatedDuringRequest() async throws {
        let (bed, file, first) = try await tokenBed("during")
        defer { bed.proxy.stop() }
        bed.proxy.changeToken(.rotate, when: .rangeQuery(containing: Q.containerMemory), on: .nth(1))
        let run = try bed.collect(["-v"])
        #expect(run.status == 0, "\(run.stderr)")
        let renewed = try token(in: file)
        #expect(renewed != first && renewed == bed.proxy.acceptedToken)
        let memory = bed.proxy.rangeQueries(containing: Q.containerMemory)
        #expect(memory.count == 2)
        #expect(memory.first?.fault == "401 token" && memory.first?.headers["authorization"] == "Bearer \(first)")
        #expect(memory.last?.fault == nil && memory.last?.headers["authorization"] == "Bearer \(renewed)")
        // The queries in flight with the old token were refused too; each was sent again with the
        // new one and went through.
        let refused = bed.proxy.requests.filter { $0.fault != nil }
        #expect(refused.allSatisfy { $0.fault == "401 token" })
        for r in refused {
            let again = bed.proxy.requests.filter { $0.query == r.query && $0.fault == nil }
            #expect(again.map { $0.headers["authorization"] } == ["Bearer \(renewed)"], "\(r.query)")
        }
        #expect(run.stderr.contains("the querier rejected the token (HTTP 401) and \(file) holds a new one"))
        let snapshots = try bed.store().snapshots()
        #expect(snapshots.count == 1 && snapshots.allSatisfy { !$0.partial && $0.warnings.isEmpty })
        for token in [first, renewed] { #expect(!run.stderr.contains(token) && !run.stdout.contains(token)) }
    }

    @Test("401 and the file unchanged: one attempt, 'renew it' naming the file, nothing stored")
    func rejectedUnchanged() async throws {
        let (bed, file, first) = try await tokenBed("unchanged")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try bed.dump()
        bed.proxy.clearRequests()
        bed.proxy.changeToken(.revoke, when: .rangeQuery(containing: Q.containerMemory), on: .nth(1))
        let run = try bed.collect()
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("The token in '\(file)' was rejected (HTTP 401) and the file has not changed: renew it"))
        #expect(run.stderr.contains("Querier: \(bed.proxy.url)/api/v1/query_range"))
        // Not sent again: the same token would be refused again.
        #expect(bed.proxy.rangeQueries(containing: Q.containerMemory).count == 1)
        #expect(bed.proxy.requests.filter { $0.fault == "401 token" }.allSatisfy { $0.headers["authorization"] == "Bearer \(first)" })
        #expect(try token(in: file) == first)
        #expect(try bed.dump() == before)
        #expect(!run.stderr.contains(first) && !run.stdout.contains(first))
    }

    @Test("a 403 that is the API's own JSON error is not a refused method: one POST, no GET, reported")
    func jsonForbidden() async throws {
        let bed = try await Bed.make("json-403")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.apiError(status: 403, errorType: "forbidden", error: "tenant default-tenant may not read"))
        let run = try bed.collect()
        #expect(run.status == 1)
        let queries = bed.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(queries.map(\.method) == ["POST"])
        #expect(run.stderr.contains("HTTP 403 (forbidden): tenant default-tenant may not read"))
        // A first run that stores nothing leaves no database behind.
        #expect(!FileManager.default.fileExists(atPath: bed.database))
    }

    @Test("querier.method: get sends every query as GET, in the same chunks, and stores what a POST run stores")
    func methodGet() async throws {
        let post = try await Bed.make("method-post", querier: "  chunk: 30m")
        defer { post.proxy.stop() }
        let get = try await Bed.make("method-get", querier: "  chunk: 30m\n  method: get")
        defer { get.proxy.stop() }
        #expect(try post.collect().status == 0)
        let run = try get.collect(["-v"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("refuses POST"))
        let posted = post.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        let sent = get.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(posted.allSatisfy { $0.method == "POST" })
        #expect(sent.allSatisfy { $0.method == "GET" && $0.target.hasPrefix("/api/v1/query_range?query=") })
        // 1 h 50 min at 30 s is 221 points, in chunks of 30 min (60 points): 4 requests for each
        // of the 4 usage queries and the nodes; the build timeline and the machine-config pools
        // reach 15 min (collect.settle) further back, 251 points: 5 requests each.
        #expect(sent.count == 30)
        func ranges(_ list: [ProxyRequest]) -> [RangeRequest] {
            list.map { r in ["query", "start", "end", "step"].map { r.value($0) ?? "" } }.sorted { $0.joined() < $1.joined() }
        }
        #expect(ranges(sent) == ranges(posted))
        let figures = try storedFigures(get.database)
        #expect(figures.contains("etcd"))
        #expect(figures == (try storedFigures(post.database)))
    }

    @Test("a query too long for a GET URL with querier.method: get: the query and the fix are named, nothing sent")
    func getTooLong() async throws {
        let server = try await SmallScenario.server()
        let folder = try temporaryFolder("get-too-long")
        let config = try writeConfig(in: folder, url: server.url, extra: "")
        let getConfig = "\(folder)/get.yaml"
        try (try String(contentsOfFile: config, encoding: .utf8))
            .replacingOccurrences(of: "  retries: 1\n", with: "  retries: 1\n  method: get\n")
            .write(toFile: getConfig, atomically: true, encoding: .utf8)
        let range = ["--start", "1793480000", "--end", "1793480600", "--step", "60s"]
        // The query itself is fine: POSTed, Prometheus answers it.
        let posted = try runFedreport(["query", longQuery, "--config", config] + range)
        #expect(posted.status == 0, "\(posted.stderr)")
        // No job matches: `vector(0)` at each of the 11 steps.
        #expect(posted.stdout.contains("{},1793480000,0.0\r\n") && posted.stdout.contains("{},1793480600,0.0\r\n"))
        let run = try runFedreport(["query", longQuery, "--config", getConfig] + range)
        #expect(run.status == 1)
        #expect(run.stderr.contains("needs a GET URL of"))
        #expect(run.stderr.contains("querier.method is get: shorten the query"))
        #expect(run.stderr.contains("allow POST (querier.method auto or post)"))
        #expect(run.stderr.contains(String(longQuery.prefix(200))))
    }
}

@Suite("Querier behind a proxy that refuses POST (kube-rbac-proxy, GET-only routes)", .serialized, .enabled(if: TestBed.shouldRunWithProxy))
struct RefusedPOSTTests {
    /// A configuration that collects the small scenario's cluster through `proxy`, in 30 min chunks.
    func config(_ proxy: NginxProxy, folder: String, method: String? = nil) throws -> String {
        let path = "\(folder)/fedreport.yaml"
        try """
        querier:
          url: \(proxy.url)
          ca_file: \(proxy.caFile)
          timeout: 60s
          retries: 1
          chunk: 30m
        \(method.map { "  method: \($0)" } ?? "")
        database: \(folder)/fedreport.sqlite
        clusters:
          - {name: \(SmallQueries.cluster), distribution: ocp}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the binary with `arguments` and a configuration for nginx refusing POST with `status`
    /// in front of the small scenario's Prometheus. nginx is stopped before this returns; its log
    /// stays.
    func runRefused(
        _ status: Int, _ name: String, method: String? = nil, _ arguments: [String]
    ) async throws -> (run: RunResult, proxy: NginxProxy, folder: String) {
        let server = try await SmallScenario.server()
        let proxy = try NginxProxy(upstream: server.url, refusePOST: status, workDirectory: TestBed.folder)
        defer { proxy.stop() }
        let folder = try temporaryFolder(name)
        let run = try runFedreport(
            arguments + ["--config", try config(proxy, folder: folder, method: method)], environment: ["FEDREPORT_TOKEN": proxy.token])
        return (run, proxy, folder)
    }

    /// The requests nginx logged: method, target and status.
    func logged(_ proxy: NginxProxy) throws -> [(method: String, target: String, status: Int)] {
        try String(contentsOfFile: proxy.accessLogPath, encoding: .utf8).split(separator: "\n").compactMap { line in
            // "GET /api/v1/query_range?query=… HTTP/1.1" 200
            let parts = line.split(separator: " ")
            guard parts.count == 4, let status = Int(parts[3]) else { return nil }
            return (String(parts[0].dropFirst()), String(parts[1]), status)
        }
    }

    /// A logged target's range-query parameters, decoded.
    func range(_ target: String) -> RangeRequest {
        let query = target.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
        var values: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if kv.count == 2 { values[kv[0]] = kv[1] }
        }
        return ["query", "start", "end", "step"].map { values[$0] ?? "" }
    }

    @Test(
        "POST refused with 405 or 403: retried as GET, GET for the rest of the run, said once; same chunks and numbers as POST",
        arguments: [405, 403])
    func fallsBackToGet(status: Int) async throws {
        let (run, proxy, folder) = try await runRefused(status, "refused-\(status)", ["collect", "-v"] + Bed.windowArguments)
        #expect(run.status == 0, "\(run.stderr)")
        let line = "the querier refuses POST (HTTP \(status)): using GET for the rest of this run"
        #expect(run.stderr.components(separatedBy: line).count == 2, "\(run.stderr)")
        let queries = try logged(proxy).filter { $0.target.hasPrefix("/api/v1/query_range") }
        // The first POST is refused; it and every later request go as GET.
        #expect(queries.first.map { [$0.method, "\($0.status)"] } == ["POST", "\(status)"])
        #expect(queries.dropFirst().allSatisfy { $0.method == "GET" && $0.status == 200 })
        #expect(queries.count == 31)  // 30 GETs, counted in methodGet()

        // The same collect POSTed straight to Prometheus (through the fault proxy, which logs it).
        let post = try await Bed.make("refused-\(status)-post", querier: "  chunk: 30m")
        defer { post.proxy.stop() }
        #expect(try post.collect().status == 0)
        let posted = post.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(posted.allSatisfy { $0.method == "POST" })
        func sorted(_ list: [RangeRequest]) -> [RangeRequest] { list.sorted { $0.joined() < $1.joined() } }
        let asked = posted.map { r in ["query", "start", "end", "step"].map { r.value($0) ?? "" } }
        #expect(sorted(queries.dropFirst().map { range($0.target) }) == sorted(asked))
        let figures = try storedFigures("\(folder)/fedreport.sqlite")
        #expect(figures.contains("etcd"))
        #expect(figures == (try storedFigures(post.database)))
    }

    @Test("POST refused with 405 and querier.method: post: fails at once naming the setting, nothing stored")
    func postOnly() async throws {
        let (run, proxy, folder) = try await runRefused(405, "post-only", method: "post", ["collect"] + Bed.windowArguments)
        #expect(run.status == 1)
        #expect(run.stderr.contains("answered HTTP 405 to a POST: 405 Not Allowed"))
        #expect(run.stderr.contains("querier.method is post, so GET was not tried"))
        #expect(run.stderr.contains("set querier.method to auto or get"))
        let queries = try logged(proxy).filter { $0.target.hasPrefix("/api/v1/query_range") }
        #expect(queries.map { "\($0.method) \($0.status)" } == ["POST 405"])
        let database = "\(folder)/fedreport.sqlite"
        let stored = FileManager.default.fileExists(atPath: database) ? try sqlite(database, "SELECT count(*) FROM snapshot") : "0"
        #expect(stored == "0")
    }

    @Test("POST refused and a query too long for a GET URL: the query and the fix are named, no GET sent")
    func tooLongForGet() async throws {
        let (run, proxy, _) = try await runRefused(405, "too-long", ["query", longQuery, "--start", "1793480000", "--end", "1793480600"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("needs a GET URL of"))
        #expect(run.stderr.contains("the querier at \(proxy.url)/api/v1/query_range refuses POST: shorten the query"))
        #expect(run.stderr.contains("or allow POST on the querier's route or proxy"))
        #expect(run.stderr.contains(String(longQuery.prefix(200))))
        #expect(try logged(proxy).map { "\($0.method) \($0.status)" } == ["POST 405"])
    }
}
