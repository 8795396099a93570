import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// The small scenario: one OpenShift cluster, 2 h at 30 s.
@Suite("Query client against a real Prometheus", .serialized, .enabled(if: TestBed.shouldRun))
struct ClientIntegrationTests {
    let cluster = SmallScenario.scenario.clusters[0]

    /// Parses `fedreport query --format csv` output into series → [(t, v)].
    func parseCSV(_ text: String) -> [String: [(String, String)]] {
        var out: [String: [(String, String)]] = [:]
        for line in text.split(separator: "\r\n").dropFirst() {
            // The labels cell is quoted (it holds commas); timestamp and value follow.
            guard let close = line.lastIndex(of: "\"") else { continue }
            let labels = String(line[line.index(after: line.startIndex)..<close]).replacingOccurrences(of: "\"\"", with: "\"")
            let rest = line[line.index(close, offsetBy: 2)...].split(separator: ",")
            out[labels, default: []].append((String(rest[0]), String(rest[1])))
        }
        return out
    }

    @Test("--start and --end take a plain date (midnight UTC), now and now-<duration>")
    func relativeTimes() async throws {
        let server = try await SmallScenario.server()
        // A series with a label, so the CSV quotes its labels cell as parseCSV reads it.
        let one = #"label_replace(vector(1), "a", "x,y", "", "")"#
        // By hand: 2026-11-01 is 1793491200 in Unix seconds.
        let dated = try runFedreport([
            "query", one, "--url", server.url, "--start", "2026-11-01", "--end", "2026-11-01T00:02:00Z", "--step", "60s",
        ])
        #expect(dated.status == 0, "\(dated.stderr)")
        #expect(parseCSV(dated.stdout).values.first?.map(\.0) == ["1793491200", "1793491260", "1793491320"], "\(dated.stdout)")
        let before = Date().timeIntervalSince1970
        let relative = try runFedreport(["query", one, "--url", server.url, "--start", "now-10m", "--end", "now", "--step", "5m"])
        let after = Date().timeIntervalSince1970
        #expect(relative.status == 0, "\(relative.stderr)")
        let stamps = try #require(parseCSV(relative.stdout).values.first).compactMap { Double($0.0) }
        #expect(stamps.count == 3)
        // The first point is now − 10 min, now being when the command ran (times in milliseconds).
        #expect(stamps.first.map { $0 >= before - 600.001 && $0 <= after - 599.999 } == true, "\(stamps)")
        let bad = try runFedreport(["query", one, "--url", server.url, "--start", "yesterday", "--end", "now"])
        #expect(bad.status == 2 && bad.stderr.contains("now-6h"), "\(bad.stderr)")
    }

    @Test("a range query returns the values the generator wrote")
    func rangeQuery() async throws {
        let server = try await SmallScenario.server()
        let container = try #require(cluster.workloads.first)
        let window = SmallScenario.scenario.collectableWindow
        let start = window.lowerBound
        let end = start + 10 * 60_000
        let selector =
            #"container_memory_working_set_bytes{cluster="\#(cluster.name)", namespace="\#(container.namespace)", pod="\#(container.pod)", container="\#(container.container)"}"#
        let result = try runFedreport([
            "query", selector, "--url", server.url, "--start", "\(start / 1000)", "--end", "\(end / 1000)", "--step", "30s",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let series = parseCSV(result.stdout)
        #expect(series.count == 1)
        let points = try #require(series.values.first)
        #expect(points.count == 21)  // 10 min at 30 s, both ends included
        for (k, point) in points.enumerated() {
            let t = start + Int64(k) * 30_000
            #expect(point.0 == "\(t / 1000)")
            let want = try #require(cluster.memorySample(of: container, at: t))
            #expect(Double(point.1) == want)
        }
    }

    @Test("a query of more than 11,000 steps equals the same range asked in pieces by hand")
    func chunking() async throws {
        let server = try await SmallScenario.server()
        let window = SmallScenario.scenario.collectableWindow
        // 1 s steps over 3 h 10 min would be 11,401 points; the small scenario has under 2 h of
        // data, so ask 1 s steps over the whole collectable window plus padding before it.
        let end = window.upperBound
        let start = end - 11_500_000  // 11,501 points
        let query = #"sum(container_memory_working_set_bytes{cluster="\#(cluster.name)", container!="", container!="POD"})"#
        let result = try runFedreport([
            "query", query, "--url", server.url, "--start", "\(start / 1000)", "--end", "\(end / 1000)", "--step", "1s",
            "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("2 request(s)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let got = (json.first?["values"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        // By hand: two pieces that Prometheus accepts, [start, mid] and [mid+1s, end].
        let mid = start + 6_000_000
        var want: [(String, String)] = []
        for (a, b) in [(start, mid), (mid + 1000, end)] {
            let piece = try promRange(server.url, query, start: a, end: b, step: 1000)
            want += (piece.first?.values ?? []).map { ("\($0.0 / 1000)", "\($0.1)") }
        }
        #expect(got.count == want.count)
        #expect(got.map(\.0) == want.map(\.0))
        #expect(Set(got.map(\.0)).count == got.count, "a timestamp repeated at a chunk edge")
        #expect(zip(got, want).allSatisfy { Double($0.1) == Double($1.1) })
    }

    @Test("bad PromQL names bad_data, the query and the fix, and exits non-zero")
    func badPromQL() async throws {
        let server = try await SmallScenario.server()
        let result = try runFedreport(["query", "sum(rate(foo[5m]", "--url", server.url, "--start", "1793480000", "--end", "1793483600"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("HTTP 400 (bad_data)"))
        #expect(result.stderr.contains("sum(rate(foo[5m]"))
        #expect(result.stderr.contains("The PromQL is wrong"))
    }

    @Test("check lists the cluster, its build and the queries with data")
    func check() async throws {
        let server = try await SmallScenario.server()
        let end = SmallScenario.scenario.collectableWindow.upperBound
        let result = try runFedreport(["check", "--url", server.url, "--end", "\(end / 1000)", "--window", "1h"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Server:    2."))
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix(cluster.name) })
        #expect(row.contains("ocp") && row.contains("4.6.1"))
        #expect(row.contains("container-cpu: \(cluster.workloads.count) series"))
        #expect(row.contains("host-memory-ocp: \(cluster.hostServices.count) series"))
    }

    @Test("check fails and says what is missing for a cluster without data")
    func checkMissing() async throws {
        let server = try await SmallScenario.server()
        let folder = try temporaryFolder("check-missing")
        let config = try writeConfig(in: folder, url: server.url, extra: "clusters:\n  - {name: nowhere, distribution: ocp}\n")
        let end = SmallScenario.scenario.collectableWindow.upperBound
        let result = try runFedreport(["check", "--config", config, "--end", "\(end / 1000)", "--window", "1h"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("NO DATA"))
        #expect(result.stderr.contains("federat"))
    }
}

@Suite("Auth and TLS through nginx", .serialized, .enabled(if: TestBed.shouldRunWithProxy))
struct ProxyIntegrationTests {
    actor Proxy {
        static let shared = Proxy()
        var proxy: NginxProxy?
        func get() async throws -> NginxProxy {
            if let proxy { return proxy }
            let server = try await SmallScenario.server()
            let p = try NginxProxy(upstream: server.url, workDirectory: TestBed.folder)
            proxy = p
            return p
        }
    }

    let args = ["query", "count(up) or vector(1)", "--start", "1793480000", "--end", "1793480600", "--step", "60s"]

    func run(_ extra: [String], config: String, token: String?) throws -> RunResult {
        try runFedreport(args + ["--config", config], environment: token.map { ["FEDREPORT_TOKEN": $0] } ?? [:])
    }

    func config(_ proxy: NginxProxy, ca: Bool, tokenFile: String? = nil) throws -> String {
        let folder = try temporaryFolder("proxy")
        var extra = ""
        if ca || tokenFile != nil {
            extra = "querier:\n  url: \(proxy.url)\n"
            if ca { extra += "  ca_file: \(proxy.caFile)\n" }
            if let tokenFile { extra += "  bearer_token_file: \(tokenFile)\n" }
            let path = "\(folder)/fedreport.yaml"
            try extra.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let path = "\(folder)/fedreport.yaml"
        try "querier:\n  url: \(proxy.url)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the right token through TLS with the test CA works; from a file too")
    func ok() async throws {
        let proxy = try await Proxy.shared.get()
        let viaEnv = try run([], config: try config(proxy, ca: true), token: proxy.token)
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        let folder = try temporaryFolder("token")
        try (proxy.token + "\n").write(toFile: "\(folder)/token", atomically: true, encoding: .utf8)
        let viaFile = try run([], config: try config(proxy, ca: true, tokenFile: "\(folder)/token"), token: nil)
        #expect(viaFile.status == 0, "\(viaFile.stderr)")
    }

    @Test("a wrong token: HTTP 401, the token expired or is wrong, no retry, the token never printed")
    func wrongToken() async throws {
        let proxy = try await Proxy.shared.get()
        let secret = "wrong-\(UUID().uuidString)"
        let result = try run([], config: try config(proxy, ca: true), token: secret)
        #expect(result.status == 1)
        #expect(result.stderr.contains("HTTP 401"))
        #expect(result.stderr.contains("token expired or is wrong"))
        #expect(!result.stderr.contains("retrying"))
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
    }

    @Test("a token without the role: HTTP 403 and the missing role")
    func forbidden() async throws {
        let proxy = try await Proxy.shared.get()
        let result = try run([], config: try config(proxy, ca: true), token: proxy.forbiddenToken)
        #expect(result.status == 1)
        #expect(result.stderr.contains("HTTP 403"))
        #expect(result.stderr.contains("cluster-monitoring-view"))
    }

    @Test("an unknown CA: the certificate is not trusted, set querier.ca_file")
    func unknownCA() async throws {
        let proxy = try await Proxy.shared.get()
        let result = try run([], config: try config(proxy, ca: false), token: proxy.token)
        #expect(result.status == 1)
        #expect(result.stderr.contains("not signed by a trusted CA"))
        #expect(result.stderr.contains("querier.ca_file"))
    }

    @Test("insecure_skip_tls_verify works and warns loudly")
    func insecure() async throws {
        let proxy = try await Proxy.shared.get()
        let folder = try temporaryFolder("insecure")
        let path = "\(folder)/fedreport.yaml"
        try "querier:\n  url: \(proxy.url)\n  insecure_skip_tls_verify: true\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run([], config: path, token: proxy.token)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("TLS verification is OFF"))
    }
}
