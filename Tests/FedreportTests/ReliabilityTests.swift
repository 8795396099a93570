import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// tmpfs mounts for the disk-full and read-only tests (we run as root in CI).
enum Mounts {
    /// Whether a tmpfs can be mounted here; probed once with a real mount.
    static let available: Bool = {
        let probe = "\(TestBed.folder)/mount-probe"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        guard (try? Tools.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe])) != nil else { return false }
        _ = try? Tools.run("/bin/umount", [probe])
        return true
    }()

    /// On CI a failing mount must fail the test, not skip it.
    static var shouldRun: Bool { TestBed.shouldRun && (available || TestBed.isCI) }

    static func tmpfs(_ path: String, size: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Tools.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }

    static func remountReadOnly(_ path: String) throws { try Tools.run("/bin/mount", ["-o", "remount,ro", path]) }

    static func unmount(_ path: String) { _ = try? Tools.run("/bin/umount", ["-l", path]) }

    /// Free bytes on the file system holding `path`.
    static func free(_ path: String) -> Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }
}

/// Body rewrites for the proxy, applied to Prometheus's JSON text.
enum Rewrites {
    /// Replaces the value strings of the first `values.count` samples (in document order).
    static func sampleValues(_ values: [String]) -> @Sendable (String) -> String {
        { body in
            var out = body
            var search = out.startIndex
            for v in values {
                // A sample is `[<timestamp>,"<value>"]`.
                guard let open = out.range(of: #"\[\d+(\.\d+)?,""#, options: .regularExpression, range: search..<out.endIndex),
                    let close = out.range(of: "\"]", range: open.upperBound..<out.endIndex)
                else { break }
                out.replaceSubrange(open.upperBound..<close.lowerBound, with: v)
                search = out.index(open.upperBound, offsetBy: v.count)
            }
            return out
        }
    }

    /// Replaces the value of the `n`-th (from 0) `"label":"…"` in the body with `raw` (JSON text).
    static func label(_ name: String, occurrence n: Int, raw: String) -> @Sendable (String) -> String {
        { body in
            var out = body
            var search = out.startIndex
            for k in 0...n {
                guard let key = out.range(of: "\"\(name)\":\"", range: search..<out.endIndex),
                    let end = out.range(of: "\"", range: key.upperBound..<out.endIndex)
                else { return out }
                if k == n { out.replaceSubrange(key.upperBound..<end.lowerBound, with: raw) }
                search = key.upperBound
            }
            return out
        }
    }
}

@Suite("Reliability: faults through a proxy, crashes, concurrency, full disks, secrets", .serialized, .enabled(if: TestBed.shouldRun))
struct ReliabilityTests {
    typealias Q = SmallQueries

    // MARK: Server warnings

    @Test("warnings (a Thanos partial response) mark the snapshot partial with their text; a complete snapshot is kept")
    func warnings() async throws {
        let bed = try await Bed.make("warnings")
        defer { bed.proxy.stop() }
        let clean = try bed.collect()
        #expect(clean.status == 0, "\(clean.stderr)")
        let complete = try #require(try bed.store().snapshots().first)
        #expect(!complete.partial)

        let text = "No StoreAPIs matched for this query: store 10.0.0.7:10901 is down"
        bed.proxy.inject(.warnings([text]), when: .rangeQuery(containing: Q.containerMemory))
        // The same window: the complete snapshot stays.
        let again = try bed.collect()
        #expect(again.status == 5, "\(again.stderr)")
        #expect(again.stdout.contains("kept complete #\(complete.id)"))
        #expect(again.stderr.contains(text))
        let kept = try bed.store().snapshots()
        #expect(kept == [complete])

        // Another window (10 minutes shorter): stored, partial, with the warning.
        let end = Bed.window.upperBound - 10 * 60_000
        let other = try runFedreport([
            "collect", "--config", bed.config, "--start", "\(Bed.window.lowerBound / 1000)", "--end", "\(end / 1000)",
        ])
        #expect(other.status == 5, "\(other.stderr)")
        let partial = try #require(try bed.store().snapshots().first { $0.end == end })
        #expect(partial.partial)
        #expect(partial.warnings == ["container-memory: \(text)"])
        // The data is kept: the memory of the components is there.
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [partial.id])[partial.id])
        #expect(series.contains { $0.resource == .memory && $0.component.name == "etcd" })
        let listing = try runFedreport(["snapshots", "--config", bed.config])
        #expect(listing.status == 0, "\(listing.stderr)")
        // Every report that uses the partial snapshot says so, with the warning text.
        let json = try runFedreport(["report", "--config", bed.config, "--format", "json", "--output", "-"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let quality = try #require(object["data_quality"] as? [String: Any])
        let listed = try #require(quality["partial_snapshots"] as? [[String: Any]])
        #expect(listed.contains { ($0["warnings"] as? [String])?.contains("container-memory: \(text)") == true }, "\(listed)")
        for format in ["md", "html"] {
            let rendered = try runFedreport(["report", "--config", bed.config, "--format", format, "--output", "-"])
            #expect(rendered.status == 0)
            #expect(rendered.stdout.contains("No StoreAPIs matched for this query"), "\(format)")
        }
    }

    // MARK: Errors the server reports

    @Test(
        "bad_data and execution errors: one attempt, errorType, error and query in the message, nothing committed",
        arguments: [
            (400, "bad_data", "invalid parameter \"query\": 1:1: parse error"),
            (422, "execution", "query processing would load too many samples into memory"),
        ]
    )
    func apiErrors(status: Int, errorType: String, error: String) async throws {
        let bed = try await Bed.make("api-\(status)")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try bed.dump()
        bed.proxy.clearRequests()
        bed.proxy.inject(.apiError(status: status, errorType: errorType, error: error), when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 1)
        #expect(bed.proxy.rangeQueries(containing: Q.containerMemory).count == 1, "retried a \(status)")
        #expect(run.stderr.contains("HTTP \(status) (\(errorType)): \(error)"))
        #expect(run.stderr.contains(Q.containerMemory))
        #expect(run.stderr.contains(errorType == "bad_data" ? "The PromQL is wrong" : "too heavy for the querier"))
        #expect(run.stderr.contains("Nothing was stored"))
        #expect(try bed.dump() == before)
    }

    // MARK: Gateways, resets, refusals

    @Test(
        "503, 502 and 504 HTML pages: bounded retries with backoff, then the snapshot is partial and the error names the proxy",
        arguments: [503, 502, 504])
    func gatewayErrors(status: Int) async throws {
        let bed = try await Bed.make("gw-\(status)")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.html(status: status, title: "\(status) Gateway trouble"), when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 5, "\(run.stderr)")
        let attempts = bed.proxy.rangeQueries(containing: Q.containerMemory)
        #expect(attempts.count == 3)  // retries: 2
        // Backoff: base 0.5 s doubling, full jitter between half and the whole.
        if attempts.count == 3 {
            #expect(attempts[1].receivedAt.timeIntervalSince(attempts[0].receivedAt) >= 0.25)
            #expect(attempts[2].receivedAt.timeIntervalSince(attempts[1].receivedAt) >= 0.5)
        }
        // One short line per retry; the explanation with its fix once, when the query has failed.
        let retries = Self.retryLines(run.stderr)
        #expect(retries == [2, 3].map { "(\($0)/3): HTTP \(status)" }, "\(run.stderr)")
        let hint = status == 503 ? "timed out or is overloaded" : "A route or proxy in front of the querier timed out"
        #expect(Self.occurrences(of: "HTTP \(status): \(status) Gateway trouble", in: run.stderr) == 1, "\(run.stderr)")
        #expect(Self.occurrences(of: hint, in: run.stderr) == 1)
        let snapshot = try #require(try bed.store().snapshots().first)
        #expect(snapshot.partial)
        #expect(snapshot.warnings.count == 1)
        #expect(snapshot.warnings.first?.hasPrefix("container-memory: The querier at \(bed.proxy.url)") ?? false)
        #expect(snapshot.warnings.first?.contains(hint) ?? false)
        // The other queries' data is there; container memory is not.
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        #expect(series.contains { $0.resource == .cpu && $0.component.name == "etcd" })
        #expect(!series.contains { $0.resource == .memory && $0.component.name == "etcd" })
    }

    @Test("a connection reset is retried a bounded number of times, then reported")
    func reset() async throws {
        let bed = try await Bed.make("reset")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.reset, when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 5, "\(run.stderr)")
        #expect(bed.proxy.rangeQueries(containing: Q.containerMemory).count == 3)
        #expect(run.stderr.contains("libcurl error 56"))
        #expect(run.stderr.contains("The connection dropped"))
        #expect(try bed.store().snapshots().first?.partial == true)
    }

    /// The retry notices on stderr, each reduced to its `(attempt/total): cause` tail.
    static func retryLines(_ stderr: String, what: String? = nil) -> [String] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("retrying \(what ?? "")") }.compactMap { line in
            line.firstMatch(of: /in \d+\.\d s (\(\d+\/\d+\): .*)$/).map { String($0.1) }
        }
    }

    static func occurrences(of text: String, in output: String) -> Int { output.components(separatedBy: text).count - 1 }

    /// The names and bytes of the files in `folder` whose name starts with `prefix`.
    static func files(in folder: String, prefix: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasPrefix(prefix) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
        return out
    }

    @Test("a refused connection: one short line per retry, the explanation once; an existing database byte-identical")
    func refused() async throws {
        let bed = try await Bed.make("refused")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try Self.files(in: bed.folder, prefix: "fedreport.sqlite")
        #expect(before.keys.contains("fedreport.sqlite") && before.keys.contains("fedreport.sqlite.lock"))
        bed.proxy.refuseConnections()
        let run = try bed.collect()
        #expect(run.status == 1)
        // The first request (build info) is retried twice (querier.retries: 2), one line each;
        // then the run stops with the explanation and its fix, once.
        #expect(
            Self.retryLines(run.stderr, what: "build info") == ["(2/3): could not connect", "(3/3): could not connect"], "\(run.stderr)")
        #expect(Self.retryLines(run.stderr).count == 2)
        #expect(Self.occurrences(of: "libcurl error 7", in: run.stderr) == 1, "\(run.stderr)")
        #expect(Self.occurrences(of: "Nothing listens there", in: run.stderr) == 1)
        // The database and its companions are as they were, to the byte. (The lock file is there
        // as before; it holds the pid of its last holder.)
        var after = try Self.files(in: bed.folder, prefix: "fedreport.sqlite")
        var unchanged = before
        #expect(after.removeValue(forKey: "fedreport.sqlite.lock") != nil)
        unchanged["fedreport.sqlite.lock"] = nil
        #expect(after == unchanged)
        // Back up: the next run works.
        try bed.proxy.acceptConnections()
        #expect(try bed.collect().status == 0)
    }

    @Test("a first collect against a closed port leaves no database, no -wal/-shm and no lock file")
    func refusedFirstRun() async throws {
        let bed = try await Bed.make("refused-first")
        defer { bed.proxy.stop() }
        bed.proxy.refuseConnections()
        let run = try bed.collect()
        #expect(run.status == 1)
        #expect(Self.retryLines(run.stderr).count == 2, "\(run.stderr)")
        #expect(Self.occurrences(of: "Nothing listens there", in: run.stderr) == 1)
        #expect(try Self.files(in: bed.folder, prefix: "fedreport.sqlite").isEmpty)

        // The same with --url and --database only, no configuration file.
        let fresh = "\(bed.folder)/fresh/snapshots.sqlite"
        let bare = try runFedreport(
            ["collect", "--url", bed.proxy.url, "--database", fresh] + Bed.windowArguments, in: bed.folder)
        #expect(bare.status == 1)
        #expect(Self.occurrences(of: "Nothing listens there", in: bare.stderr) == 1, "\(bare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(bed.folder)/fresh"))

        // Once the querier is up, the same run creates the folder, the database and the lock.
        try bed.proxy.acceptConnections()
        let up = try runFedreport(["collect", "--url", bed.proxy.url, "--database", fresh] + Bed.windowArguments, in: bed.folder)
        #expect(up.status == 0, "\(up.stderr)")
        let created = try Self.files(in: "\(bed.folder)/fresh", prefix: "snapshots.sqlite").keys.sorted()
        #expect(created.contains("snapshots.sqlite") && created.contains("snapshots.sqlite.lock"), "\(created)")
    }

    @Test("a first collect that fails after creating the database (bad PromQL) removes it and the lock file")
    func failedFirstRun() async throws {
        let bed = try await Bed.make("failed-first")
        defer { bed.proxy.stop() }
        bed.proxy.inject(
            .apiError(status: 400, errorType: "bad_data", error: "parse error"), when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("The PromQL is wrong"))
        #expect(try Self.files(in: bed.folder, prefix: "fedreport.sqlite").isEmpty)
    }

    @Test("check: a count answered as NaN or +Inf is no data for that query, not a crash")
    func checkNonFiniteCount() async throws {
        let bed = try await Bed.make("check-nan")
        defer { bed.proxy.stop() }
        let instant = ProxyMatch(path: "/api/v1/query")
        bed.proxy.inject(.rewrite(Rewrites.sampleValues(["NaN"])), when: instant, on: .nth(1))
        // A rule sees only the requests the rules before it let through: the second is its first.
        bed.proxy.inject(.rewrite(Rewrites.sampleValues(["+Inf"])), when: instant, on: .nth(1))
        let run = try runFedreport(["check", "--config", bed.config, "--end", "\(Bed.window.upperBound / 1000)", "--window", "1h"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let counts = bed.proxy.requests.filter { $0.path == "/api/v1/query" }
        #expect(counts.count == 4)
        #expect(counts.map(\.fault) == ["rewrite", "rewrite", nil, nil])
        let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix(Q.cluster) })
        // The first two queries (NaN, +Inf) have no data; the other two count their series.
        #expect(Self.occurrences(of: "NO DATA", in: String(row)) == 2, "\(row)")
        #expect(Self.occurrences(of: " series", in: String(row)) == 2, "\(row)")
        #expect(run.stderr.contains("2 problem(s)"))
    }

    @Test("429 with Retry-After: the client waits as told, then succeeds")
    func retryAfter() async throws {
        let bed = try await Bed.make("429")
        defer { bed.proxy.stop() }
        bed.proxy.inject(
            .html(status: 429, title: "429 Too Many Requests", headers: ["Retry-After": "1"]),
            when: .rangeQuery(containing: Q.containerMemory), on: .first(1))
        let run = try bed.collect()
        #expect(run.status == 0, "\(run.stderr)")
        let attempts = bed.proxy.rangeQueries(containing: Q.containerMemory)
        #expect(attempts.count == 2)
        if attempts.count == 2 {
            #expect(attempts[1].receivedAt.timeIntervalSince(attempts[0].receivedAt) >= 1.0)
        }
        #expect(Self.retryLines(run.stderr) == ["(2/3): HTTP 429"], "\(run.stderr)")
        #expect(run.stderr.contains("retrying container-memory of \(Q.cluster) in 1.0 s (2/3): HTTP 429"))
        #expect(try bed.store().snapshots().first?.partial == false)
    }

    @Test("401 and 403: fail at once, token expired or role missing; a 403 page is asked once more as GET", arguments: [401, 403])
    func auth(status: Int) async throws {
        let bed = try await Bed.make("auth-\(status)")
        defer { bed.proxy.stop() }
        let token = "sha256~\(UUID().uuidString)"
        bed.proxy.inject(status == 401 ? .unauthorized : .forbidden)
        let run = try bed.collect(environment: ["FEDREPORT_TOKEN": token])
        #expect(run.status == 1)
        // The first range query (the build timeline) fails and nothing else is asked. A 403 page
        // may be a proxy refusing POST (querier.method auto), so that query is asked once as GET.
        let methods = bed.proxy.requests.filter { $0.path == "/api/v1/query_range" }.map(\.method)
        #expect(methods == (status == 401 ? ["POST"] : ["POST", "GET"]))
        #expect(!run.stderr.contains("retrying"))
        #expect(run.stderr.contains("HTTP \(status)"))
        #expect(run.stderr.contains(status == 401 ? "token expired or is wrong" : "lacks a role"))
        #expect(bed.proxy.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })
        #expect(!run.stderr.contains(token) && !run.stdout.contains(token))
        // A first run that stored nothing leaves no database behind.
        #expect(try Self.files(in: bed.folder, prefix: "fedreport.sqlite").isEmpty)
    }

    @Test("a cluster whose build timeline stays unavailable after retries does not sink the other clusters")
    func clusterUnavailable() async throws {
        let bed = try await Bed.make("gone", clusters: [Q.cluster, "gone-ocp"])
        defer { bed.proxy.stop() }
        bed.proxy.inject(
            .html(status: 503, title: "503 Service Unavailable"), when: .rangeQuery(containing: #"cluster_version{cluster="gone-ocp""#))
        let run = try bed.collect()
        #expect(run.status == 5, "\(run.stderr)")
        #expect(bed.proxy.rangeQueries(containing: #"cluster="gone-ocp""#).count == 3)
        #expect(
            run.stderr.contains("error: gone-ocp: build timeline: The querier at \(bed.proxy.url)/api/v1/query_range answered HTTP 503"))
        let snapshots = try bed.store().snapshots()
        #expect(snapshots.map(\.cluster) == [Q.cluster])
        #expect(snapshots.allSatisfy { !$0.partial })
    }

    // MARK: Broken bodies

    @Test("a body cut off mid-stream: the query and the byte offset are named, no retry, nothing committed")
    func truncated() async throws {
        let bed = try await Bed.make("truncated")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try bed.dump()
        bed.proxy.clearRequests()
        bed.proxy.inject(.truncate(bytes: 5000), when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 1)
        #expect(bed.proxy.rangeQueries(containing: Q.containerMemory).count == 1)
        #expect(run.stderr.contains("after 5000 bytes of the body"), "\(run.stderr)")
        #expect(run.stderr.contains(Q.containerMemory))
        #expect(!run.stderr.contains("it was retried"))
        #expect(try bed.dump() == before)
    }

    @Test("malformed JSON: the query and the byte offset of the fault are named, nothing committed")
    func malformed() async throws {
        let bed = try await Bed.make("malformed")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try bed.dump()
        bed.proxy.clearRequests()
        bed.proxy.inject(.malformed, when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 1)
        let request = try #require(bed.proxy.rangeQueries(containing: Q.containerMemory).first)
        let offset = try #require(request.faultOffset)
        #expect(run.stderr.contains("not a valid Prometheus API answer at byte \(offset):"), "\(run.stderr)")
        #expect(run.stderr.contains(Q.containerMemory))
        #expect(bed.proxy.rangeQueries(containing: Q.containerMemory).count == 1)
        #expect(try bed.dump() == before)
    }

    @Test("a vector where a matrix was asked for: the query and the byte offset are named, nothing committed")
    func vector() async throws {
        let bed = try await Bed.make("vector")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let before = try bed.dump()
        bed.proxy.inject(.vector, when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 1)
        // The decoder stops at the "vector" string of resultType.
        let offset = try #require(FaultProxy.vectorBody.range(of: #""vector""#)).lowerBound.utf16Offset(in: FaultProxy.vectorBody)
        #expect(run.stderr.contains("at byte \(offset): the result is a vector where a matrix was asked for"), "\(run.stderr)")
        #expect(run.stderr.contains(Q.containerMemory))
        #expect(try bed.dump() == before)
    }

    @Test("a server that stalls mid-body: querier.timeout fires within seconds with a clear message")
    func stall() async throws {
        let bed = try await Bed.make("stall", timeout: "2s")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.stall(seconds: 30), when: .rangeQuery(containing: Q.containerMemory))
        let started = Date()
        let run = try bed.collect()
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 8, "took \(elapsed) s")
        #expect(run.status == 1)
        #expect(run.stderr.contains("libcurl error 28"), "\(run.stderr)")
        #expect(run.stderr.contains("No complete answer within querier.timeout"))
        #expect(run.stderr.contains(Q.containerMemory))
        // A first run that stored nothing leaves no database behind.
        #expect(try Self.files(in: bed.folder, prefix: "fedreport.sqlite").isEmpty)
    }

    // MARK: Odd values and labels

    @Test("NaN, +Inf and -Inf are left out and counted; an exponent is parsed to the same value")
    func nonFinite() async throws {
        let bed = try await Bed.make("nonfinite")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let clean = try #require(try bed.store().snapshots().first)
        let cleanSeries = try #require(try bed.store().componentSeries(snapshotIDs: [clean.id])[clean.id])
        #expect(clean.leftOut.nonFiniteSamples == 0)

        // The first three samples of the container answer, the first of the host answer.
        bed.proxy.inject(.rewrite(Rewrites.sampleValues(["NaN", "+Inf", "-Inf"])), when: .rangeQuery(containing: Q.containerMemory))
        bed.proxy.inject(.rewrite(Rewrites.sampleValues(["-Inf"])), when: .rangeQuery(containing: Q.hostMemory))
        let run = try bed.collect()
        #expect(run.status == 0, "\(run.stderr)")
        let snapshot = try #require(try bed.store().snapshots().first)
        #expect(snapshot.leftOut.nonFiniteSamples == 4)
        #expect(!snapshot.partial)

        // Exponent form of every value of the CPU answer: the same figures as the clean run.
        bed.proxy.clearFaults()
        bed.proxy.inject(
            .rewrite { text in
                let pattern = try! NSRegularExpression(pattern: #","([0-9]+\.?[0-9]*)"\]"#)
                var out = ""
                var last = text.startIndex
                for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let whole = Range(m.range, in: text)!
                    let number = Double(text[Range(m.range(at: 1), in: text)!])!
                    out += text[last..<whole.lowerBound] + ",\"" + String(format: "%.17e", number) + "\"]"
                    last = whole.upperBound
                }
                return out + text[last...]
            }, when: .rangeQuery(containing: Q.containerCPU))
        let exponents = try bed.collect()
        #expect(exponents.status == 0, "\(exponents.stderr)")
        let again = try #require(try bed.store().snapshots().first)
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [again.id])[again.id])
        let cpu = { (list: [ComponentSeries]) in list.filter { $0.resource == .cpu }.map { "\($0.component.name) \($0.values)" } }
        #expect(cpu(series) == cpu(cleanSeries))
    }

    @Test("a 64 KiB label value and non-ASCII labels (raw UTF-8 and \\u escapes) are parsed")
    func hostileLabels() async throws {
        let bed = try await Bed.make("labels")
        defer { bed.proxy.stop() }
        let long = "ns-" + String(repeating: "x", count: 64 * 1024)
        let rewrite: @Sendable (String) -> String = { body in
            let a = Rewrites.label("namespace", occurrence: 0, raw: long)(body)
            let b = Rewrites.label("namespace", occurrence: 1, raw: "ns-über-名前-🚀")(a)
            return Rewrites.label("namespace", occurrence: 2, raw: #"esc-\u00fc\u540d\ud83d\ude80"#)(b)
        }
        bed.proxy.inject(.rewrite(rewrite), when: .rangeQuery(containing: Q.containerMemory))
        let run = try bed.collect()
        #expect(run.status == 0, "\(run.stderr)")
        let snapshot = try #require(try bed.store().snapshots().first)
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let all = Set(series.flatMap(\.members))
        #expect(all.contains(long))
        #expect(all.contains("ns-über-名前-🚀"))
        #expect(all.contains("esc-ü名🚀"))
    }

    @Test("an empty result for a query is 'no data' for that query, not zero usage")
    func emptyResult() async throws {
        let bed = try await Bed.make("empty")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.emptyResult, when: .rangeQuery(containing: Q.hostMemory))
        let run = try bed.collect()
        #expect(run.status == 0, "\(run.stderr)")
        let snapshot = try #require(try bed.store().snapshots().first)
        #expect(snapshot.noData == ["host-memory-ocp"])
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        // kubelet and CRI-O: CPU is there, memory is absent rather than a row of zeros.
        for component in ["kubelet", "crio"] {
            #expect(series.contains { $0.component.name == component && $0.resource == .cpu })
            #expect(!series.contains { $0.component.name == component && $0.resource == .memory })
        }
        #expect(!series.contains { $0.values.contains(0) })
        // The memory total lacks the host services: every comparison says so, by query and cluster.
        let compare = try runFedreport([
            "compare", snapshot.build, snapshot.build, "--config", bed.config, "--format", "json", "--output", "-",
        ])
        #expect(compare.status == 0, "\(compare.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])
        let incomplete = try #require((json["data_quality"] as? [String: Any])?["incomplete_queries"] as? [[String: Any]])
        #expect(
            incomplete.map { "\($0["side"] as? String ?? "") \($0["query"] as? String ?? "") \($0["resource"] as? String ?? "")" }
                == ["a host-memory-ocp memory", "b host-memory-ocp memory"])
        #expect(incomplete.allSatisfy { $0["clusters"] as? [String] == [Q.cluster] })
        let md = try runFedreport(["compare", snapshot.build, snapshot.build, "--config", bed.config, "--format", "md", "--output", "-"])
        #expect(md.stdout.contains("the memory total of B (\(snapshot.build)) is without host-memory-ocp (no series for small-ocp-0)"))
    }

    // MARK: Thanos parameters, POST, token

    @Test("Thanos parameters are sent only when configured; range queries are POSTed as forms with the token")
    func thanosParameters() async throws {
        let plain = try await Bed.make("thanos-off")
        defer { plain.proxy.stop() }
        let token = "tok-\(UUID().uuidString)"
        #expect(try plain.collect(environment: ["FEDREPORT_TOKEN": token]).status == 0)
        // The build timeline, the machine-config pools, the nodes and the four OpenShift queries.
        let queries = plain.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(queries.count == 7)
        for r in queries {
            #expect(r.method == "POST")
            #expect(r.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(r.headers["authorization"] == "Bearer \(token)")
            #expect(Set(r.form.map(\.name)) == ["query", "start", "end", "step"])
        }

        let thanos = try await Bed.make(
            "thanos-on",
            querier: """
                  thanos:
                    dedup: true
                    partial_response: false
                    replica_labels: [prometheus_replica, rule_replica]
                    max_source_resolution: 5m
                """)
        defer { thanos.proxy.stop() }
        #expect(try thanos.collect().status == 0)
        let sent = thanos.proxy.requests.filter { $0.path == "/api/v1/query_range" }
        #expect(sent.count == 7)
        for r in sent {
            #expect(r.values("dedup") == ["true"])
            #expect(r.values("partial_response") == ["false"])
            #expect(r.values("replicaLabels[]") == ["prometheus_replica", "rule_replica"])
            #expect(r.values("max_source_resolution") == ["5m"])
            #expect(r.headers["authorization"] == nil)
        }
    }

    // MARK: Deadline

    @Test("--deadline with a stalled query: what completed is stored as partial, exit 5, within seconds")
    func deadline() async throws {
        let bed = try await Bed.make("deadline")
        defer { bed.proxy.stop() }
        bed.proxy.inject(.stall(seconds: 30), when: .rangeQuery(containing: Q.containerMemory))
        let started = Date()
        let run = try bed.collect(["--deadline", "3s"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 8, "took \(elapsed) s")
        #expect(run.status == 5, "\(run.stderr)")
        let snapshot = try #require(try bed.store().snapshots().first)
        #expect(snapshot.partial)
        #expect(snapshot.warnings.contains { $0.hasPrefix("container-memory: The run's deadline passed") }, "\(snapshot.warnings)")
        // A cluster's queries run side by side: what the others brought is kept, the stalled
        // one's resource is missing for the containers.
        let series = try #require(try bed.store().componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        #expect(series.contains { $0.resource == .cpu && $0.component.name == "etcd" })
        #expect(!series.contains { $0.resource == .memory && $0.component.name == "etcd" })
    }

    // MARK: Crash safety

    @Test("SIGKILL at 60 moments of a run: integrity ok, no half snapshot, a re-run completes")
    func killed() async throws {
        let bed = try await Bed.make("kill")
        defer { bed.proxy.stop() }
        // Stretch the run to about a second: 6 requests at 0.15 s each.
        bed.proxy.latency = 0.15
        let arguments = ["collect", "--config", bed.config, "--quiet"] + Bed.windowArguments
        let started = Date()
        #expect(try bed.collect().status == 0)
        let duration = Date().timeIntervalSince(started)
        // Spread over the whole run, and more densely over its last fifth (the save).
        var delays = (0..<45).map { duration * 1.05 * Double($0) / 44 }
        delays += (0..<15).map { duration * (0.8 + 0.3 * Double($0) / 14) }
        var fresh: [String] = []
        var committed = 0
        var notCommitted = 0
        var lastID = try sqlite(bed.database, "SELECT max(id) FROM snapshot")
        for (k, delay) in delays.enumerated() {
            // Every sixth run starts from no database, so the kill can land in its creation.
            var args = arguments
            var database = bed.database
            if k % 6 == 0 {
                database = "\(bed.folder)/fresh-\(k).sqlite"
                args += ["--database", database]
                fresh.append(database)
            }
            let child = try Spawned(args, folder: bed.folder)
            // Blocking, so the kill lands when planned: an awaited sleep can resume seconds late
            // while other suites hold the cooperative threads.
            usleep(UInt32(delay * 1e6))
            kill(child.pid, SIGKILL)
            _ = child.wait()
            guard FileManager.default.fileExists(atPath: database) else { continue }
            #expect(try sqlite(database, "PRAGMA integrity_check") == "ok", "kill \(k) after \(delay) s")
            let tables = try sqlite(database, "SELECT count(*) FROM sqlite_master WHERE name = 'snapshot'")
            if tables == "1" {
                let half = try sqlite(
                    database,
                    """
                    SELECT count(*) FROM snapshot s
                    WHERE (SELECT count(*) FROM component_series c WHERE c.snapshot_id = s.id) = 0
                       OR (SELECT count(*) FROM container_summary c WHERE c.snapshot_id = s.id) = 0
                    """)
                #expect(half == "0", "kill \(k) after \(delay) s left a snapshot without its rows")
                #expect(Int(try sqlite(database, "SELECT count(*) FROM snapshot")) ?? 9 <= 1)
            }
            if database == bed.database {
                // A committed run replaced the snapshot, so its id moved on.
                let id = try sqlite(database, "SELECT max(id) FROM snapshot")
                if id == lastID { notCommitted += 1 } else { committed += 1 }
                lastID = id
            }
        }
        // The kills landed both before and after the commit.
        #expect(committed > 0 && notCommitted > 0, "committed \(committed), not committed \(notCommitted)")
        bed.proxy.latency = 0
        for database in [bed.database] + fresh.prefix(3) {
            let rerun = try runFedreport(arguments + ["--database", database])
            #expect(rerun.status == 0, "\(database): \(rerun.stderr)")
            #expect(try sqlite(database, "PRAGMA integrity_check") == "ok")
            #expect(try sqlite(database, "SELECT count(*) FROM snapshot") == "1")
        }
    }

    // MARK: Two collects, readers

    @Test("a second collect exits at once naming the lock and pid; with --wait it waits; reads work meanwhile")
    func concurrentCollects() async throws {
        let bed = try await Bed.make("lock")
        defer { bed.proxy.stop() }
        // Two builds to compare: 4.6.1 as detected, and a pinned 4.6.2 over an earlier window.
        #expect(try bed.collect().status == 0)
        let pinned = "\(bed.folder)/pinned.yaml"
        try (try String(contentsOfFile: bed.config, encoding: .utf8))
            .replacingOccurrences(of: "distribution: ocp}", with: "distribution: ocp, version: 4.6.2}")
            .write(toFile: pinned, atomically: true, encoding: .utf8)
        let early = try runFedreport([
            "collect", "--config", pinned, "--start", "\(Bed.window.lowerBound / 1000)", "--end",
            "\((Bed.window.lowerBound + 3_600_000) / 1000)",
        ])
        #expect(early.status == 0, "\(early.stderr)")

        bed.proxy.clearRequests()
        bed.proxy.inject(.delay(seconds: 4), when: .rangeQuery(containing: Q.containerMemory), on: .first(1))
        let first = try Spawned(["collect", "--config", bed.config] + Bed.windowArguments, folder: bed.folder)
        #expect(try await waitUntil(10) { !bed.proxy.rangeQueries(containing: Q.containerMemory).isEmpty })

        let started = Date()
        let second = try bed.collect()
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(second.status == 1)
        #expect(second.stderr.contains("Another `fedreport collect` is running"))
        #expect(second.stderr.contains("\(bed.database).lock"))
        #expect(second.stderr.contains("by process \(first.pid)"), "\(second.stderr)")

        // Readers are not blocked by the collect.
        let builds = try runFedreport(["builds", "--config", bed.config])
        #expect(builds.status == 0, "\(builds.stderr)")
        #expect(builds.stdout.contains("4.6.1") && builds.stdout.contains("4.6.2"))
        let compare = try runFedreport([
            "compare", "4.6.2", "4.6.1", "--config", bed.config, "--format", "json", "--output", "-",
        ])
        #expect(compare.status == 0, "\(compare.stderr)")

        let waiting = try Spawned(["collect", "--config", bed.config, "--wait"] + Bed.windowArguments, folder: bed.folder)
        let firstResult = first.wait()
        let waitingResult = waiting.wait()
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(waitingResult.status == 0, "\(waitingResult.stderr)")
        // The waiting collect replaced the snapshot the first one had stored: it ran after it.
        let replaced = try #require(firstResult.stdout.firstMatch(of: /replaced #(\d+) by #(\d+)/))
        #expect(waitingResult.stdout.contains("replaced #\(replaced.2) by #"), "\(waitingResult.stdout)")
        // Each run: the build timeline, the machine-config pools, the nodes and the four OpenShift queries.
        #expect(bed.proxy.requests.filter { $0.path == "/api/v1/query_range" }.count == 7 + 7)
    }

    @Test("builds and compare keep reading while collects write")
    func readersDuringWrites() async throws {
        let bed = try await Bed.make("readers")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        // Each collect takes about a second and holds its write transaction for most of it.
        bed.proxy.latency = 0.1
        let stop = Locked(false)
        let done = Locked(false)
        let failures = Locked(Data())
        let reads = Locked(0)
        let config = bed.config
        let reader = Thread {
            while !stop.withLock({ $0 }) {
                let arguments =
                    reads.withLock { $0 } % 2 == 0
                    ? ["builds", "--config", config]
                    : ["compare", "4.6.1", "4.6.1", "--config", config, "--format", "json", "--output", "-"]
                // A read counts only when the binary ran and answered; a launch that failed is a
                // failure, not a read.
                do {
                    let r = try runFedreport(arguments)
                    if r.status == 0 && !r.stdout.isEmpty {
                        reads.withLock { $0 += 1 }
                    } else {
                        failures.withLock { $0 = Data((arguments[0] + " exited \(r.status): " + r.stderr).utf8) }
                    }
                } catch {
                    failures.withLock { $0 = Data((arguments[0] + " did not start: \(error)").utf8) }
                    reads.withLock { $0 += 1 }  // move on to the other command
                }
            }
            done.withLock { $0 = true }
        }
        reader.start()
        for _ in 0..<3 { #expect(try bed.collect().status == 0) }
        stop.withLock { $0 = true }
        #expect(try await waitUntil(10) { done.withLock { $0 } })
        #expect(reads.withLock { $0 } >= 6)
        #expect(failures.withLock { $0 }.isEmpty, "\(String(decoding: failures.withLock { $0 }, as: UTF8.self))")
    }

    // MARK: Disks

    @Test("a full disk: clear error, the database unchanged", .enabled(if: Mounts.shouldRun, "needs `mount -t tmpfs` (root)"))
    func diskFull() async throws {
        let folder = try temporaryFolder("rel-full")
        try Mounts.tmpfs(folder, size: "600k")
        defer { Mounts.unmount(folder) }
        let bed = try await Bed.make("full", folder: folder)
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        // Leave 48 KiB: less than another snapshot needs.
        let filler = "\(folder)/filler"
        let size = Mounts.free(folder) - 48 * 1024
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(count: max(0, size))))
        let before = try bed.dump()
        let earlier = Bed.window.lowerBound + 30 * 60_000
        let run = try runFedreport([
            "collect", "--config", bed.config, "--start", "\(earlier / 1000)", "--end", "\(Bed.window.upperBound / 1000)",
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("is full"), "\(run.stderr)")
        #expect(run.stderr.contains(bed.database))
        #expect(try sqlite(bed.database, "PRAGMA integrity_check") == "ok")
        #expect(try bed.dump() == before)
        // Space again: the same run completes.
        try FileManager.default.removeItem(atPath: filler)
        let again = try runFedreport([
            "collect", "--config", bed.config, "--start", "\(earlier / 1000)", "--end", "\(Bed.window.upperBound / 1000)",
        ])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test(
        "a read-only database and an unwritable or full report folder: clear errors, nothing changed, no half report",
        .enabled(if: Mounts.shouldRun, "needs `mount -t tmpfs` (root)"))
    func readOnly() async throws {
        let folder = try temporaryFolder("rel-ro")
        try Mounts.tmpfs(folder, size: "2m")
        defer { Mounts.unmount(folder) }
        let bed = try await Bed.make("ro", folder: folder)
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        let pinned = "\(folder)/pinned.yaml"
        try (try String(contentsOfFile: bed.config, encoding: .utf8))
            .replacingOccurrences(of: "distribution: ocp}", with: "distribution: ocp, version: 4.6.2}")
            .write(toFile: pinned, atomically: true, encoding: .utf8)
        let early = try runFedreport([
            "collect", "--config", pinned, "--start", "\(Bed.window.lowerBound / 1000)", "--end",
            "\((Bed.window.lowerBound + 3_600_000) / 1000)",
        ])
        #expect(early.status == 0, "\(early.stderr)")

        // A report folder on a full file system: the files that fit are whole, no temporary file stays.
        let reports = try temporaryFolder("rel-reports")
        let outside = try runFedreport(["compare", "4.6.2", "4.6.1", "--config", bed.config, "--output", reports])
        #expect(outside.status == 0, "\(outside.stderr)")
        let sizes = try FileManager.default.contentsOfDirectory(atPath: reports).sorted().map {
            (try FileManager.default.attributesOfItem(atPath: "\(reports)/\($0)")[.size] as? Int) ?? 0
        }
        let full = try temporaryFolder("rel-fullreports")
        try Mounts.tmpfs(full, size: "\(max(64, (sizes.reduce(0, +) / 1024) / 2))k")
        defer { Mounts.unmount(full) }
        let fill = Mounts.free(full) - (sizes.min() ?? 4096) - 4096
        _ = FileManager.default.createFile(atPath: "\(full)/filler", contents: Data(count: max(0, fill)))
        let cramped = try runFedreport(["compare", "4.6.2", "4.6.1", "--config", bed.config, "--output", "\(full)/out"])
        #expect(cramped.status == 1)
        #expect(cramped.stderr.contains("Cannot write report"), "\(cramped.stderr)")
        #expect(cramped.stderr.contains("No space left on device"))
        let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(full)/out")) ?? []
        #expect(!left.contains { $0.hasPrefix(".") }, "temporary files left: \(left)")
        let wholeSizes = Dictionary(
            try FileManager.default.contentsOfDirectory(atPath: reports).map {
                (($0 as NSString).pathExtension, (try FileManager.default.attributesOfItem(atPath: "\(reports)/\($0)")[.size] as? Int) ?? 0)
            }, uniquingKeysWith: { a, _ in a })
        for name in left {
            // Whole: as long as the same format written where there was room (the names and
            // time stamps have the same length).
            let size = (try FileManager.default.attributesOfItem(atPath: "\(full)/out/\(name)")[.size] as? Int) ?? -1
            #expect(size == wholeSizes[(name as NSString).pathExtension], "\(name) is \(size) bytes")
        }
        #expect(left.count < 4)

        // Now the database's file system goes read-only.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bed.database))
        try Mounts.remountReadOnly(folder)
        let run = try bed.collect()
        #expect(run.status == 1)
        #expect(run.stderr.contains("Read-only file system"), "\(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: bed.database)) == bytes)
        // Reading still works.
        let builds = try runFedreport(["builds", "--config", bed.config])
        #expect(builds.status == 0, "\(builds.stderr)")
        #expect(builds.stdout.contains("4.6.2"))
        // A report folder there cannot be written: a clear error, no file.
        let report = try runFedreport(["compare", "4.6.2", "4.6.1", "--config", bed.config, "--output", "\(folder)/reports"])
        #expect(report.status == 1)
        #expect(report.stderr.contains("Cannot write reports to folder '\(folder)/reports'"), "\(report.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/reports"))
    }

    /// Root with setpriv, to run the binary as nobody; on CI the test runs (and fails) without them.
    static var canRunAsNobody: Bool { getuid() == 0 && Tools.find("setpriv") != nil }

    @Test(
        "a database file this user may not write (0444, run as nobody): a clear error, the file unchanged",
        .enabled(if: canRunAsNobody || TestBed.isCI, "needs root and setpriv (util-linux) to run as nobody"))
    func readOnlyFile() async throws {
        try #require(Self.canRunAsNobody, "run the tests as root with setpriv (util-linux) installed: the test runs fedreport as nobody")
        let bed = try await Bed.make("ro-file")
        defer { bed.proxy.stop() }
        #expect(try bed.collect().status == 0)
        // The folder stays writable (the lock and SQLite's companions go there); the file does not.
        for name in ["fedreport.sqlite.lock", "fedreport.sqlite-shm", "fedreport.sqlite-wal"] {
            try? FileManager.default.removeItem(atPath: "\(bed.folder)/\(name)")
        }
        chmod(bed.folder, 0o777)
        chmod(bed.config, 0o644)
        chmod(bed.database, 0o444)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bed.database))
        // The checkout may sit in a folder only root can enter (CI clones into one): give nobody
        // its own copy of the binary and of queries/, found through FEDREPORT_HOME.
        let home = "\(bed.folder)/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(repositoryRoot)/queries", toPath: "\(home)/queries")
        try FileManager.default.copyItem(atPath: fedreportBinary, toPath: "\(home)/fedreport")
        let opened = Process()
        opened.executableURL = URL(fileURLWithPath: "/bin/chmod")
        opened.arguments = ["-R", "a+rX", home]
        try opened.run()
        opened.waitUntilExit()
        let run = try Spawned(
            ["collect", "--config", bed.config] + Bed.windowArguments, folder: bed.folder, environment: ["FEDREPORT_HOME": home],
            shell: "exec \(Tools.find("setpriv")!) --reuid=65534 --regid=65534 --clear-groups", executable: "\(home)/fedreport"
        ).wait()
        #expect(run.status == 1)
        #expect(run.stderr.contains("The snapshot database '\(bed.database)' cannot be written"), "\(run.stderr)")
        #expect(run.stderr.contains("Check the permissions of the file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: bed.database)) == bytes)
    }

    // MARK: Secrets and permissions

    @Test("the token never reaches output, the database or argv; files do not widen a 077 umask")
    func secrets() async throws {
        let bed = try await Bed.make("secrets")
        defer { bed.proxy.stop() }
        let envToken = "env-\(UUID().uuidString)"
        let fileToken = "file-\(UUID().uuidString)"
        let tokenFile = "\(bed.folder)/token"
        try (fileToken + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let fileConfig = "\(bed.folder)/with-file.yaml"
        try (try String(contentsOfFile: bed.config, encoding: .utf8))
            .replacingOccurrences(of: "  retries: 2\n", with: "  retries: 2\n  bearer_token_file: \(tokenFile)\n")
            .write(toFile: fileConfig, atomically: true, encoding: .utf8)
        let umask077 = "umask 077; exec"

        // A complete run under umask 077 with the token from the environment, watched in ps.
        bed.proxy.inject(.delay(seconds: 1), when: .rangeQuery(containing: Q.containerMemory), on: .first(1))
        let child = try Spawned(
            ["collect", "--config", bed.config] + Bed.windowArguments, folder: bed.folder, environment: ["FEDREPORT_TOKEN": envToken],
            shell: umask077)
        #expect(try await waitUntil(10) { !bed.proxy.rangeQueries(containing: Q.containerMemory).isEmpty })
        let argv = try String(contentsOfFile: "/proc/\(child.pid)/cmdline", encoding: .utf8)
        #expect(argv.contains("collect"))
        #expect(!argv.contains(envToken))
        let ps = try Tools.run("/bin/ps", ["-eo", "args"])
        #expect(ps.contains(bed.config) && !ps.contains(envToken))
        let ok = child.wait()
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(bed.proxy.requests.last?.headers["authorization"] == "Bearer \(envToken)")

        // Failing runs: retries logged, errors printed, warnings stored; then auth failures.
        bed.proxy.clearFaults()
        bed.proxy.inject(.html(status: 503, title: "503 Service Unavailable"), when: .rangeQuery(containing: Q.hostCPU))
        let partial = try runFedreport(["collect", "--config", fileConfig, "-v"] + Bed.windowArguments)
        #expect(partial.status == 5, "\(partial.stderr)")
        #expect(bed.proxy.requests.last?.headers["authorization"] == "Bearer \(fileToken)")
        bed.proxy.clearFaults()
        bed.proxy.inject(.unauthorized)
        let denied = try runFedreport(
            ["collect", "--config", bed.config, "-v"] + Bed.windowArguments, environment: ["FEDREPORT_TOKEN": envToken])
        let deniedFile = try runFedreport(["collect", "--config", fileConfig, "-v"] + Bed.windowArguments)
        #expect(denied.status == 1 && deniedFile.status == 1)
        for r in [ok, partial, denied, deniedFile] {
            for token in [envToken, fileToken] {
                #expect(!r.stdout.contains(token) && !r.stderr.contains(token))
            }
        }
        // Neither token is in any file the runs wrote (the database and its companions).
        for name in try FileManager.default.contentsOfDirectory(atPath: bed.folder) where name.hasPrefix("fedreport.sqlite") {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(bed.folder)/\(name)"))
            for token in [envToken, fileToken] { #expect(data.range(of: Data(token.utf8)) == nil, "\(name) holds a token") }
        }

        // Permissions under umask 077: the database, its companions, the lock, reports and their folder.
        for name in try FileManager.default.contentsOfDirectory(atPath: bed.folder) where name.hasPrefix("fedreport.sqlite") {
            let mode = (try FileManager.default.attributesOfItem(atPath: "\(bed.folder)/\(name)")[.posixPermissions] as? Int) ?? -1
            #expect(mode == 0o600, "\(name) has mode \(String(mode, radix: 8))")
        }
        let reports = "\(bed.folder)/reports"
        let report = try Spawned(
            ["compare", "4.6.1", "4.6.1", "--config", bed.config, "--output", reports], folder: bed.folder, shell: umask077
        ).wait()
        #expect(report.status == 0, "\(report.stderr)")
        let folderMode = (try FileManager.default.attributesOfItem(atPath: reports)[.posixPermissions] as? Int) ?? -1
        #expect(folderMode == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: reports)
        #expect(files.count == 4)
        for name in files {
            let mode = (try FileManager.default.attributesOfItem(atPath: "\(reports)/\(name)")[.posixPermissions] as? Int) ?? -1
            #expect(mode == 0o600, "\(name) has mode \(String(mode, radix: 8))")
        }
    }
}
