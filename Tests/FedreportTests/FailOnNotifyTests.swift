import FedCore
import FedRun
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// Two OpenShift builds with the planted changes of ``CompareScenario`` on two clusters, and a
/// k3s baseline: what `--fail-on`, `--notify` and `report.base_url` do with what they find.
enum FindingsScenario {
    static let scenario = Scenario(
        dataStart: CompareScenario.start, dataEnd: CompareScenario.end,
        clusters: [
            CompareScenario.cluster("find-a", version: "4.6.1", side: 0),
            CompareScenario.cluster("find-b", version: "4.7.0", side: 1),
            Scenarios.k3s(name: "find-k3s", version: "v1.26.5+k3s1", from: CompareScenario.start),
        ])

    /// Budgets worked out against the planted means (A → B):
    /// - etcd cpu 330m: A 0.30 within, B 0.36 over by 0.03 cores, so newly exceeded by B;
    /// - kube-apiserver memory 1G (10⁹ bytes): A 900 MB within, B 1080 MB over by 80 MB, newly exceeded;
    /// - etcd memory 300M: 400 MB in both builds, exceeded already before B.
    static let budgets = """
        budgets:
          components:
            etcd: {cpu: 330m, memory: 300M}
            kube-apiserver: {memory: 1G}
        """
}

actor FindingsDatabase {
    static let shared = FindingsDatabase()
    private var cached: (folder: String, url: String)?

    /// A folder whose database holds both builds and the baseline, collected by the binary.
    func get() async throws -> (folder: String, url: String) {
        if let cached { return cached }
        let server = try await TestBed.prometheus(for: FindingsScenario.scenario, name: "findings")
        let folder = try temporaryFolder("findings")
        let config = try writeConfig(in: folder, url: server.url)
        let w = FindingsScenario.scenario.collectableWindow
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        guard result.status == 0 else {
            throw NSError(domain: "collect", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        cached = (folder, server.url)
        return cached!
    }

    /// A folder of its own with a configuration over the shared database, `extra` appended.
    func config(_ name: String, extra: String) async throws -> (folder: String, config: String) {
        let (shared, url) = try await get()
        let folder = try temporaryFolder(name)
        return (folder, try writeConfig(in: folder, url: url, extra: extra, database: "\(shared)/fedreport.sqlite"))
    }
}

@Suite("--fail-on, --notify and report links against collected snapshots", .serialized, .enabled(if: TestBed.shouldRun))
struct FailOnNotifyTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func budget(_ list: [[String: Any]], _ scope: String, _ resource: String) throws -> [String: Any] {
        try #require(list.first { $0["scope"] as? String == scope && $0["resource"] as? String == resource }, "budget \(scope) \(resource)")
    }

    /// The periodic report's JSON on stdout.
    func reportJSON(config: String) throws -> [String: Any] {
        let result = try runFedreport(["report", "--config", config, "--baseline", "k3s", "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        return try json(result.stdout)
    }

    @Test("--fail-on budget exits 3 on an exceeded budget, and not once acks.yaml acknowledges it")
    func failOnBudget() async throws {
        let (folder, config) = try await FindingsDatabase.shared.config("fail-on", extra: FindingsScenario.budgets)
        let report = try reportJSON(config: config)
        let budgets = try #require(report["budgets"] as? [[String: Any]])
        let etcdCPU = try budget(budgets, "etcd", "cpu")
        // Limits as written; values as planted; headroom their difference.
        #expect((etcdCPU["limit"] as? NSNumber)?.doubleValue == 0.33)
        let value = try #require((etcdCPU["value"] as? NSNumber)?.doubleValue)
        #expect(abs(value - 0.36) < 0.00036)
        #expect(abs(((etcdCPU["headroom"] as? NSNumber)?.doubleValue ?? 0) - (0.33 - value)) < 1e-12)
        #expect(etcdCPU["exceeded"] as? Bool == true)
        let apiMemory = try budget(budgets, "kube-apiserver", "memory")
        #expect((apiMemory["value"] as? NSNumber)?.doubleValue == 1_080e6)
        #expect((apiMemory["headroom"] as? NSNumber)?.doubleValue == -80e6)
        #expect(try budget(budgets, "etcd", "memory")["exceeded"] as? Bool == true)

        // Without --fail-on, report never fails; with it, each exceeded budget gets a line.
        let plain = try runFedreport(["report", "--config", config, "--baseline", "k3s", "--output", "\(folder)/plain"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let failing = try runFedreport(["report", "--config", config, "--fail-on", "budget", "--output", "\(folder)/failing"])
        #expect(failing.status == 3, "\(failing.stderr)")
        for (scope, resource) in [("etcd", "cpu"), ("etcd", "memory"), ("kube-apiserver", "memory")] {
            let id = try #require(try budget(budgets, scope, resource)["id"] as? String)
            #expect(failing.stderr.contains("budget \(id): \(scope) \(resource)"), "\(failing.stderr)")
        }
        #expect(failing.stderr.contains("3 budget(s) exceeded by 4.7.0."), "\(failing.stderr)")
        // compare holds B against the same budgets.
        let compare = try runFedreport(
            ["compare", "4.6.1", "4.7.0", "--config", config, "--fail-on", "budget", "--format", "json", "--output", "-"])
        #expect(compare.status == 3, "\(compare.stderr)")
        let compared = try #require(try json(compare.stdout)["budgets"] as? [[String: Any]])
        #expect(try budget(compared, "etcd", "cpu")["id"] as? String == etcdCPU["id"] as? String)

        // Acknowledged budgets no longer fail the run, but are still shown.
        try """
        - {budget: etcd, resource: cpu, reason: the rebase, ticket: EDGE-1}
        - {budget: etcd, resource: memory, reason: known, ticket: EDGE-2}
        - {budget: kube-apiserver, resource: memory, reason: known, ticket: EDGE-3}
        """.write(toFile: "\(folder)/acks.yaml", atomically: true, encoding: .utf8)
        let acknowledged = try runFedreport(["report", "--config", config, "--fail-on", "budget", "--output", "\(folder)/acked"])
        #expect(acknowledged.status == 0, "\(acknowledged.stderr)")
        #expect(acknowledged.stderr.contains("acknowledged (EDGE-1)"), "\(acknowledged.stderr)")
        // But the regressions of 4.7.0 still fail --fail-on regression, alone or in a list.
        let regression = try runFedreport(["report", "--config", config, "--fail-on", "budget,regression", "--output", "\(folder)/r"])
        #expect(regression.status == 3, "\(regression.stderr)")
        let alias = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", config, "--fail-on-regression", "--output", "\(folder)/c"])
        #expect(alias.status == 3, "\(alias.stderr)")
    }

    @Test("a --fail-on value that is not a reason is a usage error naming the fix")
    func failOnUsage() async throws {
        let (folder, config) = try await FindingsDatabase.shared.config("fail-on-usage", extra: "")
        let typo = try runFedreport(["report", "--config", config, "--fail-on", "regression,budgets", "--output", folder])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'budget'"), "\(typo.stderr)")
        #expect(typo.stderr.contains("Usage: fedreport report"), "\(typo.stderr)")
        let compare = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", config, "--fail-on", "change-point", "--output", folder])
        #expect(compare.status == 2)
        #expect(compare.stderr.contains("compare finds no change points"), "\(compare.stderr)")
        let trend = try runFedreport(["trend", "--config", config, "--fail-on", "regression", "--output", folder])
        #expect(trend.status == 2)
    }

    @Test("--notify POSTs the new findings with the report's link; already exceeded budgets are not new")
    func notify() async throws {
        let receiver = try RecordingServer(status: 200)
        defer { receiver.stop() }
        let base = "https://perf.example.com/fedreport/nightly/"
        let (folder, config) = try await FindingsDatabase.shared.config(
            "notify", extra: FindingsScenario.budgets + "\nreport:\n  base_url: \(base)\n  formats: [md, html, jira, json]")
        let out = "\(folder)/reports"
        let result = try runFedreport(
            ["report", "--config", config, "--baseline", "k3s", "--output", out, "--notify", receiver.url + "/hooks/T1/B2/secret"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        let html = try #require(files.first { $0.hasSuffix(".html") })
        let link = base + html
        let report = try json(String(contentsOfFile: "\(out)/\(try #require(files.first { $0.hasSuffix(".json") }))", encoding: .utf8))

        // The footers of Markdown and Jira link to where the HTML is published.
        let md = try String(contentsOfFile: "\(out)/\(try #require(files.first { $0.hasSuffix(".md") }))", encoding: .utf8)
        #expect(md.contains("](\(link))"), "\(md.suffix(400))")
        let jira = try String(contentsOfFile: "\(out)/\(try #require(files.first { $0.hasSuffix(".jira") }))", encoding: .utf8)
        #expect(jira.contains("[\(link)]"), "\(jira.suffix(400))")

        let requests = receiver.requests
        try #require(requests.count == 1)
        #expect(requests[0].method == "POST")
        #expect(requests[0].path == "/hooks/T1/B2/secret")
        let body = try json(requests[0].text)
        let summary = try #require(body["summary"] as? [String: Any])
        #expect(summary["report"] as? String == link)
        #expect(summary["build"] as? String == "4.7.0")
        let findings = try #require(summary["findings"] as? [[String: Any]])

        // Exactly the report's unacknowledged regressions of 4.7.0 and the budgets 4.7.0 is the
        // first to exceed; etcd memory was over its budget in 4.6.1 already.
        let comparison = try #require(report["comparison"] as? [String: Any])
        let rows = try ["components", "categories", "totals"].flatMap { try #require(comparison[$0] as? [[String: Any]]) }
        let regressions = rows.filter { $0["verdict"] as? String == "regression" }
        // etcd cpu and kube-apiserver memory at least, as planted.
        #expect(regressions.count >= 2)
        let budgets = try #require(report["budgets"] as? [[String: Any]])
        let newBudgets = try [budget(budgets, "etcd", "cpu"), budget(budgets, "kube-apiserver", "memory")]
        let expected = Set(regressions.compactMap { $0["id"] as? String } + newBudgets.compactMap { $0["id"] as? String })
        #expect(Set(findings.compactMap { $0["id"] as? String }) == expected)
        #expect(findings.count == expected.count)
        let etcd = try #require(findings.first { $0["kind"] as? String == "budget" && $0["scope"] as? String == "etcd" })
        #expect((etcd["limit"] as? NSNumber)?.doubleValue == 0.33)
        #expect((etcd["value"] as? NSNumber)?.doubleValue == (newBudgets[0]["value"] as? NSNumber)?.doubleValue)
        let text = try #require(body["text"] as? String)
        #expect(text.hasPrefix("fedreport: \(expected.count) new findings in ocp 4.7.0. Report: \(link)"), "\(text)")
    }

    @Test("a notification that fails is a warning: the run succeeds and the report is written")
    func notifyFails() async throws {
        let receiver = try RecordingServer(status: 503)
        defer { receiver.stop() }
        let (folder, config) = try await FindingsDatabase.shared.config("notify-fails", extra: FindingsScenario.budgets)
        let out = "\(folder)/reports"
        let result = try runFedreport(["report", "--config", config, "--output", out, "--format", "md", "--notify", receiver.url + "/hook"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: The notification of"), "\(result.stderr)")
        #expect(result.stderr.contains("HTTP 503"), "\(result.stderr)")
        // querier.retries is 1: the first attempt and one retry.
        #expect(receiver.requests.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).contains { $0.hasSuffix(".md") })
    }
}
