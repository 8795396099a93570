import FedClient
import FedCore
import FedReports
import FedTestSupport
import Foundation
import Logging
import Testing

/// Three findings of a night, worked out by hand: etcd's CPU from 0.5 to 0.625 cores (+25 %), the
/// total memory from 8 GiB to 6 GiB (−25 %), the total CPU 2.5 cores against a budget of 2.
enum NotificationFixture {
    static let budget = BudgetStatus(scope: .total, resource: .cpu, limit: 2, value: 2.5, id: "6b0cb692d1")
    static let findings: [NotificationSummary.Finding] = [
        .init(kind: .regression, id: "a5f8e9a36b", scope: "etcd", resource: .cpu, build: "4.7.0", before: 0.5, after: 0.625),
        .init(
            kind: .changePoint, id: "0be8ffd456", scope: "total", resource: .memory, build: "4.7.0", before: 8_589_934_592,
            after: 6_442_450_944),
        .budget(budget, build: "4.7.0"),
    ]
    static let summary = NotificationSummary(
        distribution: "ocp", build: "4.7.0", report: "https://perf.example.com/nightly/report-ocp.html", findings: findings)

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Checks a payload field by field against the three findings.
    static func check(_ bytes: [UInt8]) throws {
        let root = try object(bytes)
        #expect(Set(root.keys) == ["text", "summary"])
        let text = try #require(root["text"] as? String)
        #expect(
            text == """
                fedreport: 3 new findings in ocp 4.7.0. Report: https://perf.example.com/nightly/report-ocp.html
                • regression `a5f8e9a36b`: etcd cpu +25.0 % (500 m → 625 m) at 4.7.0
                • change point `0be8ffd456`: total memory -25.0 % (8.00 GiB → 6.00 GiB) at 4.7.0
                • budget `6b0cb692d1`: total cpu 2.5 in 4.7.0, over its 2 budget by 500m
                """)
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["distribution"] as? String == "ocp" && summary["build"] as? String == "4.7.0")
        #expect(summary["report"] as? String == "https://perf.example.com/nightly/report-ocp.html")
        let findings = try #require(summary["findings"] as? [[String: Any]])
        #expect(findings.count == 3)
        let keys: Set<String> = [
            "kind", "id", "scope", "resource", "unit", "build", "before", "after", "change_pct", "value", "limit", "headroom",
            "provisional_until",
        ]
        for f in findings { #expect(Set(f.keys) == keys) }
        let r = findings[0]
        #expect(r["kind"] as? String == "regression" && r["id"] as? String == "a5f8e9a36b" && r["scope"] as? String == "etcd")
        #expect(r["resource"] as? String == "cpu" && r["unit"] as? String == "cores" && r["build"] as? String == "4.7.0")
        // 0.625 / 0.5 = 1.25 exactly.
        #expect(r["before"] as? Double == 0.5 && r["after"] as? Double == 0.625 && r["change_pct"] as? Double == 25)
        #expect(r["value"] is NSNull && r["limit"] is NSNull && r["headroom"] is NSNull)
        let c = findings[1]
        #expect(c["kind"] as? String == "change-point" && c["scope"] as? String == "total" && c["unit"] as? String == "bytes")
        #expect(c["before"] as? Double == 8_589_934_592 && c["after"] as? Double == 6_442_450_944 && c["change_pct"] as? Double == -25)
        #expect(c["provisional_until"] is NSNull)
        let b = findings[2]
        #expect(b["kind"] as? String == "budget" && b["id"] as? String == "6b0cb692d1" && b["scope"] as? String == "total")
        #expect(b["value"] as? Double == 2.5 && b["limit"] as? Double == 2 && b["headroom"] as? Double == -0.5)
        #expect(b["before"] is NSNull && b["after"] is NSNull && b["change_pct"] is NSNull)
    }
}

@Suite("Notification summary")
struct NotificationSummaryTests {
    @Test("Slack's text and the same findings as fields in summary")
    func payload() throws {
        try NotificationFixture.check(NotificationFixture.summary.payload())
        // Keys sorted: the same findings give the same bytes.
        #expect(NotificationFixture.summary.payload() == NotificationFixture.summary.payload())
    }

    @Test("names are data: &, < and > are escaped in text, kept in summary; text lists 20 findings and counts the rest")
    func escapingAndLimit() throws {
        let odd = NotificationSummary.Finding(
            kind: .regression, id: "x", scope: "a<b>&c", resource: .cpu, build: "4.7.0", before: 1, after: 2)
        let within = BudgetStatus(scope: .component("etcd"), resource: .memory, limit: 1_073_741_824, value: 536_870_912, id: "y")
        let unmeasured = BudgetStatus(scope: .category(.storage), resource: .cpu, limit: 0.5, value: nil, id: "z")
        var summary = NotificationSummary(
            distribution: "ocp", build: "4.7.0", report: "reports/r.html?a=1&b=2",
            findings: [odd, .budget(within, build: "4.7.0"), .budget(unmeasured, build: "4.7.0")])
        let root = try NotificationFixture.object(summary.payload())
        let text = try #require(root["text"] as? String)
        #expect(text.contains("Report: reports/r.html?a=1&amp;b=2"))
        #expect(text.contains("regression `x`: a&lt;b&gt;&amp;c cpu +100.0 %"))
        #expect(text.contains("budget `y`: etcd memory 512Mi in 4.7.0, within its 1Gi budget"))
        #expect(text.contains("budget `z`: category:storage cpu not measured against its 500m budget"))
        let findings = try #require((root["summary"] as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings[0]["scope"] as? String == "a<b>&c")
        #expect(findings[2]["value"] is NSNull && findings[2]["limit"] as? Double == 0.5)

        summary.findings = (1...25).map { .init(kind: .changePoint, id: "id\($0)", scope: "c\($0)", resource: .cpu, build: "b") }
        let lines = summary.text.split(separator: "\n")
        #expect(lines.count == 1 + 20 + 1)
        #expect(lines.last == "… and 5 more in the report")
        #expect(lines[20].contains("`id20`"))
    }
}

@Suite("Notifier against a recording server", .serialized)
struct NotifierTests {
    let logger = Logger(label: "test")

    func notifier(retries: Int = 4, timeout: PromDuration = .seconds(10)) -> Notifier {
        var options = NotifierOptions(retries: retries)
        options.backoffBase = 0.05
        options.transport.timeout = timeout
        return Notifier(options: options, logger: logger)
    }

    @Test("one POST of JSON, read back field by field")
    func delivered() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let status = try notifier().post(json: NotificationFixture.summary.payload(), to: server.url + "/hooks/T000/B000/secret")
        #expect(status == 200)
        let requests = server.requests
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == "POST" && request.path == "/hooks/T000/B000/secret")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["authorization"] == nil)
        #expect(request.headers["content-length"] == String(NotificationFixture.summary.payload().count))
        try NotificationFixture.check(request.body)
    }

    @Test("a 500 and a 503 are retried until the 200")
    func retried() throws {
        let server = try RecordingServer { n in
            switch n {
            case 1: .status(500, body: "boom")
            case 2: .status(503, headers: ["Retry-After": "0"])
            default: .ok
            }
        }
        defer { server.stop() }
        #expect(try notifier().post(json: Array(#"{"text":"x"}"#.utf8), to: server.url + "/hook") == 200)
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.text == #"{"text":"x"}"# })
    }

    @Test("a receiver that fails every time: an error after the retries, with the URL's path hidden")
    func failing() throws {
        let server = try RecordingServer(status: 500)
        defer { server.stop() }
        let error = try #require(throws: NotifyError.self) {
            try notifier(retries: 2).post(json: Array("{}".utf8), to: server.url + "/hooks/T000/B000/secret")
        }
        #expect(error == .http(status: 500, body: "failed", url: server.url + "/…", attempts: 3))
        #expect(server.requests.count == 3)
        let text = error.localizedDescription
        #expect(text.hasPrefix("The notification to \(server.url)/… was not delivered: HTTP 500 (failed) after 3 attempts."))
        #expect(!text.contains("secret"))
    }

    @Test("a 404 is not retried")
    func notFound() throws {
        let server = try RecordingServer(status: 404)
        defer { server.stop() }
        let error = try #require(throws: NotifyError.self) { try notifier().post(json: Array("{}".utf8), to: server.url + "/gone") }
        #expect(server.requests.count == 1)
        #expect(error.localizedDescription.contains("The webhook does not exist (any more)"))
    }

    @Test("a receiver that never answers: a timeout error, not retried; nothing listening: refused, retried")
    func unreachable() throws {
        let silent = try RecordingServer { _ in .silence }
        defer { silent.stop() }
        let started = Date()
        let error = try #require(throws: NotifyError.self) {
            try notifier(retries: 3, timeout: .seconds(1)).post(json: Array("{}".utf8), to: silent.url + "/hook")
        }
        #expect(Date().timeIntervalSince(started) >= 1)
        guard case .transport(28, _, _, 1) = error else {
            Issue.record("expected a timeout after one attempt, got \(error)")
            return
        }
        #expect(silent.requests.count == 1)

        let port = try Loopback.freePort()
        let refused = try #require(throws: NotifyError.self) {
            try notifier(retries: 1).post(json: Array("{}".utf8), to: "http://127.0.0.1:\(port)/hook")
        }
        guard case .transport(7, _, _, 2) = refused else {
            Issue.record("expected connection refused after two attempts, got \(refused)")
            return
        }
        #expect(refused.localizedDescription.contains("Nothing listens there"))
    }

    @Test("the querier's timeouts and retries, never its token, headers or TLS files")
    func fromQuerier() {
        var querier = Configuration.Querier()
        querier.timeout = .seconds(7)
        querier.connectTimeout = .seconds(3)
        querier.retries = 2
        querier.bearerToken = "sha256~token"
        querier.headers = ["THANOS-TENANT": "t"]
        querier.caFile = "/etc/service-ca.crt"
        let options = NotifierOptions(querier: querier)
        #expect(options.transport.timeout == .seconds(7) && options.transport.connectTimeout == .seconds(3))
        #expect(options.retries == 2)
        #expect(options.transport.bearerToken == nil && options.transport.headers.isEmpty && options.transport.caFile == nil)
    }
}

@Suite("Notifier over TLS through nginx", .serialized, .enabled(if: TestBed.proxyAvailable || TestBed.isCI))
struct NotifierTLSTests {
    @Test("with the CA that signed the receiver's certificate the body arrives intact; without it, a TLS error")
    func tls() throws {
        try NginxProxy.require()
        let server = try RecordingServer()
        defer { server.stop() }
        let proxy = try NginxProxy(upstream: server.url, workDirectory: TestBed.folder)
        defer { proxy.stop() }
        var options = NotifierOptions(retries: 1)
        options.backoffBase = 0.05
        options.transport.caFile = proxy.caFile
        // The proxy wants a token, as a receiver behind an auth proxy does.
        options.transport.bearerToken = proxy.token
        let payload = NotificationFixture.summary.payload()
        #expect(try Notifier(options: options, logger: Logger(label: "test")).post(json: payload, to: proxy.url + "/hook") == 200)
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1 && request.method == "POST" && request.path == "/hook")
        #expect(request.headers["content-type"] == "application/json")
        try NotificationFixture.check(request.body)

        options.transport.caFile = nil
        let error = try #require(throws: NotifyError.self) {
            try Notifier(options: options, logger: Logger(label: "test")).post(json: payload, to: proxy.url + "/hook")
        }
        guard case .transport(60, _, _, 1) = error else {
            Issue.record("expected an untrusted certificate (libcurl 60) after one attempt, got \(error)")
            return
        }
        #expect(error.localizedDescription.contains("TLS failed"))
        #expect(server.requests.count == 1)
    }
}
