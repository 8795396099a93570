import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// Two OpenShift builds with planted changes, a k3s baseline, and a build whose server-sent
/// names are hostile.
enum CompareScenario {
    static let end = Scenarios.fixedEnd
    static let start = end - 2 * 3_600_000

    /// (namespace, pod, container, cpu in A, cpu in B, memory in A, memory in B); nil = absent.
    static let planted: [(String, String, String, Double?, Double?, Double?, Double?)] = [
        ("openshift-etcd", "etcd-master-0", "etcd", 0.30, 0.36, 400e6, 400e6),  // CPU +20 %: regression
        ("openshift-kube-apiserver", "kube-apiserver-master-0", "kube-apiserver", 0.50, 0.40, 900e6, 1_080e6),  // CPU −20 %, memory +20 %
        ("openshift-dns", "dns-default-abcde", "dns", 0.010, 0.0103, 30e6, 30e6),  // +3 %: unchanged
        ("openshift-service-ca", "service-ca-7d9f-abcde", "service-ca-controller", 0.001, 0.0015, 20e6, 20e6),  // +50 % under the floor
        ("openshift-insights", "insights-operator-5f-abcde", "insights-operator", nil, 0.02, nil, 60e6),  // new in B
        ("openshift-kni-infra", "keepalived-master-0", "keepalived", 0.01, nil, 15e6, nil),  // removed in B
    ]

    static func cluster(_ name: String, version: String, side: Int) -> ScenarioCluster {
        let containers = planted.compactMap { p -> ScenarioContainer? in
            let cpu = side == 0 ? p.3 : p.4
            let memory = side == 0 ? p.5 : p.6
            guard let cpu, let memory else { return nil }
            return ScenarioContainer(
                namespace: p.0, pod: p.1, container: p.2, image: "quay.io/x/\(p.2):1", node: "\(name)-master-0",
                usage: [version: ScenarioUsage(cpuCores: cpu, memoryBytes: memory)], memoryAmplitude: 0)
        }
        let kubelet = ScenarioHostService(
            unit: "kubelet.service", node: "\(name)-master-0", usage: [version: ScenarioUsage(cpuCores: 0.2, memoryBytes: 150e6)],
            memoryAmplitude: 0)
        return ScenarioCluster(name: name, distribution: .ocp, builds: [(version, start)], workloads: containers, hostServices: [kubelet])
    }

    static let hostileBuild = #"=HYPERLINK("http://evil.example/")"#
    static let hostileNamespace = "<script>alert(1)</script>"

    static let scenario: Scenario = {
        var hostile = cluster("cmp-hostile", version: hostileBuild, side: 1)
        hostile.workloads.append(
            ScenarioContainer(
                namespace: hostileNamespace, pod: "<img src=x onerror=alert(2)>", container: "c", image: "x", node: "n",
                usage: [hostileBuild: ScenarioUsage(cpuCores: 0.05, memoryBytes: 50e6)], memoryAmplitude: 0))
        return Scenario(
            dataStart: start, dataEnd: end,
            clusters: [
                cluster("cmp-a", version: "4.6.1", side: 0), cluster("cmp-b", version: "4.7.0", side: 1), hostile,
                Scenarios.k3s(name: "cmp-k3s", version: "v1.26.5+k3s1", from: start),
            ])
    }()
}

actor ComparedDatabase {
    static let shared = ComparedDatabase()
    private var cached: (folder: String, config: String)?

    func get() async throws -> (folder: String, config: String) {
        if let cached { return cached }
        let server = try await TestBed.prometheus(for: CompareScenario.scenario, name: "compare")
        let folder = try temporaryFolder("compare")
        let config = try writeConfig(in: folder, url: server.url)
        let w = CompareScenario.scenario.collectableWindow
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        guard result.status == 0 else {
            throw NSError(domain: "collect", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        cached = (folder, config)
        return cached!
    }
}

@Suite("Compare and report against collected snapshots", .serialized, .enabled(if: TestBed.shouldRun))
struct CompareIntegrationTests {
    func compareJSON(_ extra: [String] = []) async throws -> [String: Any] {
        let (_, config) = try await ComparedDatabase.shared.get()
        let result = try runFedreport(
            ["compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--config", config, "--format", "json", "--output", "-"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func row(_ json: [String: Any], _ list: String, _ key: String, _ name: String, _ resource: String) throws -> [String: Any] {
        let rows = try #require(json[list] as? [[String: Any]])
        return try #require(
            rows.first { ($0[key] as? String) == name && ($0["resource"] as? String) == resource }, "\(list) \(name) \(resource)")
    }

    func number(_ row: [String: Any], _ side: String, _ stat: String) -> Double? {
        ((row[side] as? [String: Any])?[stat] as? NSNumber)?.doubleValue
    }

    @Test("planted changes get the verdicts and figures worked out by hand")
    func verdicts() async throws {
        let json = try await compareJSON()
        // etcd CPU 0.30 → 0.36 cores: +20 %, above 5 % and 0.005 cores.
        let etcd = try row(json, "components", "component", "etcd", "cpu")
        #expect(etcd["verdict"] as? String == "regression")
        #expect(abs((number(etcd, "a", "mean") ?? 0) - 0.30) < 0.0003)
        #expect(abs((number(etcd, "b", "mean") ?? 0) - 0.36) < 0.00036)
        #expect(abs(((etcd["delta_pct"] as? [String: Any])?["mean"] as? NSNumber ?? 0).doubleValue - 20.0) < 0.1)
        #expect(etcd["unit"] as? String == "cores")
        // kube-apiserver CPU −20 %: improvement; its memory +20 % (900 → 1080 MB): regression.
        #expect(try row(json, "components", "component", "kube-apiserver", "cpu")["verdict"] as? String == "improvement")
        let apiMemory = try row(json, "components", "component", "kube-apiserver", "memory")
        #expect(apiMemory["verdict"] as? String == "regression")
        #expect(number(apiMemory, "a", "mean") == 900e6)
        #expect(number(apiMemory, "b", "mean") == 1_080e6)
        // dns +3 %: unchanged; service-ca +50 %, but of 1 millicore (0.5 m, within the 5 m floor): negligible.
        #expect(try row(json, "components", "component", "dns", "cpu")["verdict"] as? String == "unchanged")
        #expect(try row(json, "components", "component", "service-ca", "cpu")["verdict"] as? String == "negligible")
        // insights only in B, kni-infra (platform-infra) only in A; a missing side is null.
        let insights = try row(json, "components", "component", "insights", "cpu")
        #expect(insights["verdict"] as? String == "new")
        #expect(insights["a"] is NSNull)
        #expect(try row(json, "components", "component", "platform-infra", "memory")["verdict"] as? String == "removed")
        // Sides.
        let a = try #require(json["a"] as? [String: Any])
        #expect(a["build"] as? String == "4.6.1" && a["distribution"] as? String == "ocp")
        #expect(a["clusters"] as? [String] == ["cmp-a"])
        #expect((a["snapshots"] as? NSNumber)?.intValue == 1)
    }

    @Test("a change past the threshold but within the absolute floor reads negligible, with the floor, in every format")
    func negligible() async throws {
        let (folder, config) = try await ComparedDatabase.shared.get()
        let result = try runFedreport([
            "compare", "4.6.1", "4.7.0", "--config", config, "--format", "md,html,csv,json", "--output", "\(folder)/negligible",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map(String.init)
        func file(_ ext: String) throws -> String {
            try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".\(ext)") }), encoding: .utf8)
        }
        // service-ca CPU 1 → 1.5 millicores: +50 %, 0.5 m within the 5 m floor. dns CPU 10 → 10.3 m: +3 %.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try file("json").utf8)) as? [String: Any])
        let serviceCA = try row(json, "components", "component", "service-ca", "cpu")
        #expect(serviceCA["verdict"] as? String == "negligible")
        #expect(abs(((serviceCA["delta_pct"] as? [String: Any])?["mean"] as? NSNumber ?? 0).doubleValue - 50.0) < 0.1)
        // Every row over 5 % but within its floor is negligible, and no other row is.
        let floors = ["cpu": 0.005, "memory": 10.0 * 1_048_576]
        for list in ["components", "categories", "totals"] {
            for r in try #require(json[list] as? [[String: Any]]) {
                guard let a = number(r, "a", "mean"), let b = number(r, "b", "mean"), a > 0 else { continue }
                let resource = try #require(r["resource"] as? String)
                let within = abs(b - a) / a > 0.05 && abs(b - a) <= floors[resource]!
                #expect((r["verdict"] as? String == "negligible") == within, "\(list) \(r["name"] ?? "") \(resource)")
            }
        }
        // Markdown and HTML: the word with the floor in the cell, and the legend says what it means.
        let md = try file("md")
        let mdRow = try #require(md.split(separator: "\n").first { $0.hasPrefix("| service-ca | ") && $0.contains(" | CPU | ") })
        #expect(mdRow.contains("| +50.0 % |") && mdRow.hasSuffix("| negligible · within the 5.0 m floor |"))
        #expect(!md.contains("+50.0 % | unchanged"))
        #expect(md.contains("a change of more than 5 % that stays within that floor is negligible"))
        let html = try file("html")
        #expect(html.contains(#"<span class="badge same">negligible</span> · within the 5.0 m floor"#))
        #expect(html.contains("a change of more than 5 % that stays within that floor is negligible"))
        // CSV: the verdict column says negligible for service-ca CPU, unchanged for dns CPU.
        let lines = try file("csv").components(separatedBy: "\r\n")
        let header = lines[0].components(separatedBy: ",")
        let verdict = try #require(header.firstIndex(of: "verdict"))
        let side = try #require(header.firstIndex(of: "side"))
        // The rows of the sides A and B carry the verdict; the answers' rows (targets, breakdown) do not.
        func csvVerdict(_ name: String) throws -> Set<String> {
            Set(
                lines.dropFirst().map { $0.components(separatedBy: ",") }
                    .filter { $0.count > verdict && ["a", "b"].contains($0[side]) && $0.contains(name) && $0.contains("cpu") }
                    .map { $0[verdict] })
        }
        #expect(try csvVerdict("service-ca") == ["negligible"])
        #expect(try csvVerdict("dns") == ["unchanged"])
    }

    @Test("totals and categories, against the baseline, from the generator's inputs")
    func baseline() async throws {
        let json = try await compareJSON()
        let planted = CompareScenario.planted
        // Memory is constant in this scenario, so means are exact sums.
        let totalA = planted.compactMap(\.5).reduce(0, +) + 150e6
        let totalB = planted.compactMap(\.6).reduce(0, +) + 150e6
        let total = try row(json, "totals", "unit", "bytes", "memory")
        #expect(number(total, "a", "mean") == totalA)
        #expect(number(total, "b", "mean") == totalB)
        // The k3s baseline's memory per category, from the generator's samples over the
        // baseline snapshot's timestamps, classified with the shipped k3s map.
        let k3s = try #require(CompareScenario.scenario.cluster(named: "cmp-k3s"))
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/k3s.yaml")
        let baselineInfo = try #require(json["baseline"] as? [String: Any])
        let provenance = try #require((baselineInfo["provenance"] as? [[String: Any]])?.first)
        let first = try #require((provenance["start_ms"] as? NSNumber)?.int64Value)
        let last = try #require((provenance["end_ms"] as? NSNumber)?.int64Value)
        let stamps = Array(stride(from: first, through: last, by: 30_000))
        var memoryByCategory: [String: [Double]] = [:]
        for c in k3s.workloads {
            let category = map.classify(LabelSet(["namespace": c.namespace, "pod": c.pod, "container": c.container])).category.rawValue
            let values = stamps.map { k3s.memorySample(of: c, at: $0) ?? 0 }
            memoryByCategory[category] = zip(memoryByCategory[category] ?? [Double](repeating: 0, count: stamps.count), values).map(+)
        }
        for service in k3s.hostServices {
            let category = map.classify(LabelSet(["id": "/system.slice/\(service.unit)", "node": service.node])).category.rawValue
            let values = stamps.map { k3s.memoryBytes(of: service, at: $0) ?? 0 }
            memoryByCategory[category] = zip(memoryByCategory[category] ?? [Double](repeating: 0, count: stamps.count), values).map(+)
        }
        #expect(memoryByCategory.count >= 2)
        for (category, series) in memoryByCategory {
            let want = series.reduce(0, +) / Double(series.count)
            let got = try #require(number(try row(json, "categories", "category", category, "memory"), "baseline", "mean"))
            #expect(abs(got / want - 1) < 1e-9, "baseline \(category) memory \(got) vs \(want)")
        }
        // k3s memory varies by its amplitude; compare with the generator's mean over the window.
        let controlPlane = try row(json, "categories", "category", "control-plane", "cpu")
        let baselineCP = try #require(number(controlPlane, "baseline", "mean"))
        let wantCP =
            k3s.hostServices.compactMap { $0.usage.values.first?.cpuCores }.reduce(0, +)
            + k3s.workloads.filter {
                map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])).category == .controlPlane
            }.compactMap { $0.usage.values.first?.cpuCores }.reduce(0, +)
        #expect(abs(baselineCP / wantCP - 1) < 0.001, "baseline control-plane \(baselineCP) vs \(wantCP)")
        #expect(baselineInfo["build"] as? String == "v1.26.5+k3s1")
        #expect(baselineInfo["distribution"] as? String == "k3s")
        // No baseline asked: null.
        let (_, config) = try await ComparedDatabase.shared.get()
        let plain = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", config, "--format", "json", "--output", "-"])
        let plainJSON = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        #expect(plainJSON["baseline"] is NSNull)
    }

    @Test("exit codes: 3 for a regression with --fail-on-regression, 4 for an unknown build with the known ones listed")
    func exitCodes() async throws {
        let (folder, config) = try await ComparedDatabase.shared.get()
        let fail = try runFedreport(["compare", "4.6.1", "4.7.0", "--config", config, "--fail-on-regression", "--output", "\(folder)/out"])
        #expect(fail.status == 3, "\(fail.stderr)")
        let written = fail.stdout.split(separator: "\n").map(String.init)
        #expect(written.count == 4)
        #expect(written.allSatisfy { FileManager.default.fileExists(atPath: $0) && $0.contains("4.6.1_vs_4.7.0") })
        let unknown = try runFedreport(["compare", "4.6.1", "4.7.1", "--config", config])
        #expect(unknown.status == 4)
        #expect(unknown.stderr.contains("4.7.1"))
        #expect(unknown.stderr.contains("4.6.1") && unknown.stderr.contains("4.7.0"))
    }

    @Test("server-sent names are escaped in HTML and neutralised in CSV")
    func hostileNames() async throws {
        let (folder, config) = try await ComparedDatabase.shared.get()
        let out = "\(folder)/hostile"
        let result = try runFedreport([
            "compare", "4.6.1", CompareScenario.hostileBuild, "--config", config, "--format", "html,csv", "--output", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map(String.init)
        let html = try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".html") }), encoding: .utf8)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(!html.contains("<script"))
        let csv = try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".csv") }), encoding: .utf8)
        #expect(csv.contains(#""'=HYPERLINK(""http://evil.example/"")""#))
        #expect(!csv.contains("\r\n=HYPERLINK") && !csv.contains(",=HYPERLINK"))
    }

    @Test("the periodic report names the newest build and writes every format")
    func periodic() async throws {
        let (folder, config) = try await ComparedDatabase.shared.get()
        let args = ["report", "--distribution", "ocp", "--baseline", "k3s", "--config", config]
        let result = try runFedreport(args + ["--output", "\(folder)/periodic"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map(String.init)
        #expect(Set(files.map { ($0 as NSString).pathExtension }) == ["md", "html", "csv", "json"])
        // Version order puts 4.7.0 after 4.6.1, and names that are not versions (the hostile
        // build) after both: it is the newest, compared against 4.7.0.
        let jsonFile = try #require(files.first { $0.hasSuffix(".json") })
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonFile))) as? [String: Any])
        #expect(json["builds"] as? [String] == ["4.6.1", "4.7.0", CompareScenario.hostileBuild])
        #expect(json["newest"] as? String == CompareScenario.hostileBuild)
        let comparison = try #require(json["comparison"] as? [String: Any])
        #expect((comparison["a"] as? [String: Any])?["build"] as? String == "4.7.0")
        // Without the hostile cluster the newest is 4.7.0, against 4.6.1.
        let two = try runFedreport(args + ["--cluster", "cmp-a", "--cluster", "cmp-b", "--format", "json", "--output", "-"])
        #expect(two.status == 0, "\(two.stderr)")
        let twoJSON = try #require(try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [String: Any])
        #expect(twoJSON["builds"] as? [String] == ["4.6.1", "4.7.0"])
        #expect(twoJSON["newest"] as? String == "4.7.0")
        let pair = try #require(twoJSON["comparison"] as? [String: Any])
        #expect((pair["a"] as? [String: Any])?["build"] as? String == "4.6.1")
        #expect((pair["b"] as? [String: Any])?["build"] as? String == "4.7.0")
        let md = try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".md") }), encoding: .utf8)
        #expect(md.contains("4.7.0"))
    }

    @Test("the periodic report goes on without a baseline that has no snapshots, and says so")
    func missingBaseline() async throws {
        let (folder, config) = try await ComparedDatabase.shared.get()
        let result = try runFedreport([
            "report", "--distribution", "ocp", "--baseline", "microshift", "--config", config, "--output", "\(folder)/no-baseline",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("'microshift'") && result.stderr.contains("without a baseline"))
        #expect(result.stdout.split(separator: "\n").count == 4)
        // An explicit comparison against it is an error with the known distributions listed.
        let compare = try runFedreport(["compare", "4.6.1", "4.7.0", "--baseline", "microshift", "--config", config])
        #expect(compare.status == 4)
        #expect(compare.stderr.contains("k3s") && compare.stderr.contains("ocp"))
    }
}
