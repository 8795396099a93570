import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// Twelve hourly nightlies on a CI cluster and a k3s baseline over the same hours: etcd's CPU
/// doubles from the seventh build on, which lifts the control plane from 0.60 to 0.70 cores and
/// the platform from 1.20 to 1.30, and so their ratios to k3s.
enum AnswersScenario {
    typealias N = NightlyScenario
    static let stepAt = 6
    static let builds = N.builds(12)
    static let names = builds.map(\.version)
    static let scenario: Scenario = {
        let after = Set(names[stepAt...])
        let start = N.end - 12 * N.hour
        return Scenario(
            dataStart: start, dataEnd: N.end,
            clusters: [
                N.cluster("ans-ci", builds: builds).scalingCPU(namespace: "openshift-etcd", by: 2, in: after),
                Scenarios.k3s(name: "ans-k3s", version: "v1.26.5+k3s1", from: start),
            ])
    }()
}

/// A JSON document with every number read exactly (`JSONSerialization` on Linux can be off in the
/// last binary digit), as `[String: Any]`, `[Any]`, `NSNumber`, `String`, `Bool` and `NSNull`.
enum ExactJSON: Decodable {
    case value(Any)

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [Any] = []
            while !list.isAtEnd { items.append(try list.decode(ExactJSON.self).any) }
            self = .value(items)
        } else if let object = try? decoder.container(keyedBy: Key.self) {
            var pairs: [String: Any] = [:]
            for key in object.allKeys { pairs[key.stringValue] = try object.decode(ExactJSON.self, forKey: key).any }
            self = .value(pairs)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .value(NSNull())
            } else if let b = try? single.decode(Bool.self) {
                self = .value(b)
            } else if let d = try? single.decode(Double.self) {
                self = .value(NSNumber(value: d))
            } else {
                self = .value(try single.decode(String.self))
            }
        }
    }

    var any: Any {
        switch self {
        case .value(let v): v
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONDecoder().decode(ExactJSON.self, from: Data(text.utf8)).any as? [String: Any])
    }
}

/// A configuration of its own beside a shared database: the shared one's text, `extra` (budgets)
/// appended, in a folder of its own so that an acks.yaml there is this test's.
func configBeside(_ shared: String, name: String, extra: String, acks: String? = nil) throws -> String {
    let folder = ((shared as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = "\(folder)/fedreport.yaml"
    try (try String(contentsOfFile: shared, encoding: .utf8) + "\n" + extra + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    if let acks { try acks.write(toFile: "\(folder)/acks.yaml", atomically: true, encoding: .utf8) }
    return path
}

@Suite("Targets, breakdown, baseline ratio and budgets against collected snapshots", .serialized, .enabled(if: TestBed.shouldRun))
struct AnswersIntegrationTests {
    /// The budgets of the comparison 4.6.1 → 4.7.0 of `CompareScenario`, and what 4.7.0 has
    /// (the generator's planted means; memory is constant there, CPU too but measured through
    /// rate()): the platform 0.36 + 0.40 + 0.0103 + 0.0015 + 0.02 + the kubelet's 0.2 = 0.9918
    /// cores and 400 + 1080 + 30 + 20 + 60 + 150 = 1740 MB; the control plane (etcd,
    /// kube-apiserver, service-ca) 1500 MB; etcd 0.36 cores; insights 60 MB; no router.
    static let budgets = """
        budgets:
          total: {cpu: 1, memory: 1.5Gi}
          categories: {control-plane: {memory: 1400Mi}}
          components: {etcd: {cpu: 350m}, insights: {memory: 64Mi}, router: {cpu: 1}}
        """
    static let expectedBudgets: [(scope: String, resource: String, limit: Double, value: Double?, tolerance: Double)] = [
        ("total", "cpu", 1, 0.9918, 0.001), ("total", "memory", 1_610_612_736, 1_740e6, 0),
        ("category:control-plane", "memory", 1_468_006_400, 1_500e6, 0), ("etcd", "cpu", 0.35, 0.36, 0.0004),
        ("insights", "memory", 67_108_864, 60e6, 0), ("router", "cpu", 1, nil, 0),
    ]

    func compare(_ formats: String, output: String = "-") async throws -> (RunResult, String) {
        let (_, shared) = try await ComparedDatabase.shared.get()
        let config = try configBeside(
            shared, name: "answers", extra: Self.budgets, acks: "- {budget: total, resource: memory, reason: r, ticket: EDGE-1}\n")
        let result = try runFedreport([
            "compare", "4.6.1", "4.7.0", "--baseline", "k3s", "--config", config, "--format", formats, "--output", output,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return (result, config)
    }

    func rows(_ json: [String: Any], _ list: String) -> [[String: Any]] { (json[list] as? [[String: Any]]) ?? [] }

    func mean(_ row: [String: Any]?, _ side: String) -> Double? { num((row?[side] as? [String: Any])?["mean"]) }

    @Test("targets: B's components by mean, their shares and running shares, from the report's own rows and from PromQL")
    func targets() async throws {
        let (result, _) = try await compare("json")
        let json = try ExactJSON.object(result.stdout)
        let targets = try #require(json["targets"] as? [String: Any])
        for resource in ["cpu", "memory"] {
            let list = try #require(targets[resource] as? [[String: Any]])
            let components = rows(json, "components").filter { $0["resource"] as? String == resource && $0["b"] is [String: Any] }
            let total = try #require(mean(rows(json, "totals").first { $0["resource"] as? String == resource }, "b"))
            // Every component B has, largest mean first.
            let ranked = components.sorted { mean($0, "b")! > mean($1, "b")! }
            #expect(list.map { $0["component"] as? String } == ranked.map { $0["component"] as? String })
            var running = 0.0
            for (target, row) in zip(list, ranked) {
                let b = try #require(mean(row, "b"))
                running += b / total
                #expect(num(target["mean"]) == b)
                #expect(num(target["share"]) == b / total)
                #expect(num(target["cumulative_share"]) == running)
                #expect(num(target["change"]) == mean(row, "a").map { b - $0 })
                #expect(target["id"] as? String == row["id"] as? String)
                let category = rows(json, "categories").first {
                    $0["category"] as? String == row["category"] as? String && $0["resource"] as? String == resource
                }
                #expect(num(target["baseline_category_mean"]) == mean(category, "baseline"))
            }
        }
        // Against Prometheus: each B component's memory and the platform's over B's snapshot,
        // summed from the raw series (memory is constant in the scenario, so every mean is its value).
        let (_, shared) = try await ComparedDatabase.shared.get()
        let url = try #require(
            (try String(contentsOfFile: shared, encoding: .utf8)).split(separator: "\n").first { $0.contains("url:") }?
                .split(separator: " ").last.map(String.init))
        let provenance = try #require(((json["b"] as? [String: Any])?["provenance"] as? [[String: Any]])?.first)
        let start = try #require((provenance["start_ms"] as? NSNumber)?.int64Value)
        let end = try #require((provenance["end_ms"] as? NSNumber)?.int64Value)
        let span = end - start + 29_000
        func promMean(_ selector: String) throws -> Double {
            try #require(try promScalar(url, "avg_over_time((sum(\(selector)))[\(span / 1000)s:30s])", at: end), "\(selector)")
        }
        let containers = #"container_memory_working_set_bytes{cluster="cmp-b", container!="", container!="POD"}"#
        let kubelet = #"container_memory_working_set_bytes{cluster="cmp-b", id="/system.slice/kubelet.service"}"#
        let platform = try promMean(containers) + promMean(kubelet)
        #expect(platform == 1_740e6)
        let memory = try #require(targets["memory"] as? [[String: Any]])
        for (component, namespace) in [
            ("kube-apiserver", "openshift-kube-apiserver"), ("etcd", "openshift-etcd"), ("insights", "openshift-insights"),
        ] {
            let target = try #require(memory.first { $0["component"] as? String == component })
            let prom = try promMean(
                #"container_memory_working_set_bytes{cluster="cmp-b", namespace="\#(namespace)", container!="", container!="POD"}"#)
            #expect(num(target["mean"]) == prom, "\(component)")
            #expect(abs(try #require(num(target["share"])) - prom / platform) < 1e-12, "\(component)")
        }
        // kube-apiserver's 1080 MB lead, 62 % of 1740 MB.
        #expect(memory.first?["component"] as? String == "kube-apiserver")
    }

    @Test("the breakdown: each component's change, largest first; with the remainder they add up to the total's change exactly")
    func breakdown() async throws {
        let (result, _) = try await compare("json")
        let json = try ExactJSON.object(result.stdout)
        let breakdown = try #require(json["delta_breakdown"] as? [String: Any])
        for resource in ["cpu", "memory"] {
            let b = try #require(breakdown[resource] as? [String: Any])
            let total = rows(json, "totals").first { $0["resource"] as? String == resource }
            let change = try #require(num(b["total_change"]))
            #expect(change == (try #require(mean(total, "b"))) - (try #require(mean(total, "a"))))
            let contributions = try #require(b["contributions"] as? [[String: Any]])
            let changes = contributions.compactMap { num($0["change"]) }
            #expect(changes.count == contributions.count)
            #expect(changes.reduce(0, +) + (try #require(num(b["remainder"]))) == change)
            #expect(zip(changes, changes.dropFirst()).allSatisfy { abs($0) >= abs($1) })
            // Each is the component row's own change, a side without the component counting 0.
            for c in contributions {
                let row = try #require(
                    rows(json, "components").first {
                        $0["component"] as? String == c["component"] as? String && $0["resource"] as? String == resource
                    })
                #expect(num(c["change"]) == (mean(row, "b") ?? 0) - (mean(row, "a") ?? 0))
            }
        }
        // Memory by hand: kube-apiserver +180 MB, insights +60 MB (new), keepalived (platform-infra)
        // −15 MB (removed): +225 MB, and one cluster a side with every series at every timestamp
        // leaves no remainder.
        let memory = try #require(breakdown["memory"] as? [String: Any])
        #expect(num(memory["total_change"]) == 225e6 && num(memory["remainder"]) == 0)
        let top = try #require(memory["contributions"] as? [[String: Any]]).prefix(3)
        #expect(top.map { $0["component"] as? String } == ["kube-apiserver", "insights", "platform-infra"])
        #expect(top.map { num($0["change"]) } == [180e6, 60e6, -15e6])
    }

    @Test("budgets against hand-worked values, one acknowledged; B against the baseline is B's total over the baseline's")
    func budgetsAndRatio() async throws {
        let (result, _) = try await compare("json")
        #expect(!result.stderr.contains("stale"), "\(result.stderr)")
        let json = try ExactJSON.object(result.stdout)
        let budgets = try #require(json["budgets"] as? [[String: Any]])
        #expect(
            budgets.map { "\($0["scope"] as? String ?? "") \($0["resource"] as? String ?? "")" }
                == Self.expectedBudgets.map { "\($0.scope) \($0.resource)" })
        for (b, want) in zip(budgets, Self.expectedBudgets) {
            #expect(num(b["limit"]) == want.limit)
            #expect(b["id"] as? String == (try sha256Prefix("budget\nocp\n\(want.scope)\n\(want.resource)")))
            guard let value = want.value else {
                #expect(b["value"] is NSNull && b["headroom"] is NSNull && b["exceeded"] is NSNull)
                continue
            }
            let got = try #require(num(b["value"]))
            #expect(abs(got - value) <= want.tolerance * value, "\(want.scope) \(want.resource): \(got) vs \(value)")
            #expect(num(b["headroom"]) == want.limit - got)
            #expect(b["exceeded"] as? Bool == (value > want.limit))
        }
        // Exceeded: the total's memory (acknowledged), the control plane's memory, etcd's CPU.
        #expect(budgets.map { $0["exceeded"] as? Bool } == [false, true, true, true, false, nil])
        #expect((budgets[1]["acknowledged"] as? [String: String])?["ticket"] == "EDGE-1")
        #expect(budgets[2]["acknowledged"] as? Bool == false)
        // The ratio: B's totals over the baseline's, as the totals rows hold them.
        let ratio = try #require(json["baseline_ratio"] as? [String: Any])
        for resource in ["cpu", "memory"] {
            let total = rows(json, "totals").first { $0["resource"] as? String == resource }
            #expect(num(ratio[resource]) == (try #require(mean(total, "b"))) / (try #require(mean(total, "baseline"))))
        }
        let controlPlane = rows(json, "categories").first {
            $0["category"] as? String == "control-plane" && $0["resource"] as? String == "cpu"
        }
        let categories = try #require(ratio["categories"] as? [String: [String: Any]])
        #expect(
            num(categories["control-plane"]?["cpu"]) == (try #require(mean(controlPlane, "b")))
                / (try #require(mean(controlPlane, "baseline"))))
    }

    @Test("every format carries the answers: Markdown and Jira tables, HTML charts, CSV rows as the JSON has them")
    func everyFormat() async throws {
        let (_, shared) = try await ComparedDatabase.shared.get()
        let out = ((shared as NSString).deletingLastPathComponent as NSString).appendingPathComponent("answers-formats")
        let (result, _) = try await compare("md,html,csv,json,jira", output: out)
        let files = result.stdout.split(separator: "\n").map(String.init)
        func file(_ ext: String) throws -> String {
            try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".\(ext)") }), encoding: .utf8)
        }
        let json = try ExactJSON.object(try file("json"))
        let targets = try #require((json["targets"] as? [String: Any])?["memory"] as? [[String: Any]])
        let apiserver = try #require(targets.first)
        let id = try #require(apiserver["id"] as? String)
        let md = try file("md")
        for heading in ["## Where the CPU and memory go", "## What explains the change", "## Budgets"] { #expect(md.contains(heading)) }
        #expect(md.contains("| 1 | \(id) | kube-apiserver | control-plane | 1.01 GiB |"))
        // The headline keeps its sentence against the baseline.
        let cpuRatio = try #require(num((json["baseline_ratio"] as? [String: Any])?["cpu"]))
        #expect(
            md.contains(
                "B uses \(cpuRatio < 9.95 ? String(format: "%.1f×", cpuRatio) : String(format: "%.0f×", cpuRatio)) the CPU of k3s v1.26.5+k3s1"
            ))
        let html = try file("html")
        #expect(html.contains("class=\"ln pareto\"") && html.contains("class=\"w-total\""))
        #expect(html.contains("<td data-label=\"Id\"><code>\(id)</code></td>"))
        let jira = try file("jira")
        #expect(jira.contains("h3. Where the CPU and memory go") && jira.contains("|memory|1|\(id)|kube\\-apiserver|"))
        #expect(jira.contains("h3. Budgets"))
        // CSV: one `target` row per component and resource, `share` as in the JSON.
        let csv = try file("csv").components(separatedBy: "\r\n")
        let header = try #require(csv.first).split(separator: ",").map(String.init)
        let column = { (name: String) in header.firstIndex(of: name)! }
        let targetRows = csv.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }.filter {
            $0.count == header.count && $0[column("side")] == "target"
        }
        let total = (json["targets"] as? [String: [[String: Any]]])?.values.map(\.count).reduce(0, +)
        #expect(targetRows.count == total)
        let apiRow = try #require(targetRows.first { $0[column("component")] == "kube-apiserver" && $0[column("resource")] == "memory" })
        #expect(abs(try #require(Double(apiRow[column("share")])) - (try #require(num(apiserver["share"])))) < 1e-9)
        #expect(apiRow[column("rank")] == "1" && apiRow[column("id")] == id)
        let budgetRows = csv.filter { $0.contains(",budget,") }
        #expect(budgetRows.count == Self.expectedBudgets.count)
        #expect(
            budgetRows.contains { $0.hasPrefix("total,,,memory,bytes,budget,4.7.0,ocp,") && $0.contains(",1610612736,-129387264,true,") })
    }

    // MARK: Over the builds

    func nightlies() async throws -> (url: String, config: String) {
        let run = try await CollectedOnce.shared.get(AnswersScenario.scenario, name: "answers-nightlies")
        #expect(run.result.status == 0, "\(run.result.stderr)")
        let config = try configBeside(run.config, name: "budgets", extra: "budgets:\n  total: {cpu: 1.25}\n")
        return (run.url, config)
    }

    @Test("trend: each build's ratio to the baseline from the two totals, its change points, and the budget's headroom per build")
    func trend() async throws {
        let (_, config) = try await nightlies()
        let names = AnswersScenario.names
        let result = try runFedreport([
            "trend", "--config", config, "--builds", "12", "--baseline", "k3s", "--format", "json", "--output", "-",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try ExactJSON.object(result.stdout)
        #expect(json["builds"] as? [String] == names)
        let series = try #require(json["series"] as? [[String: Any]])
        func values(_ level: String, _ name: String, _ resource: String) -> [Double?] {
            let s = series.first {
                $0["level"] as? String == level && $0["name"] as? String == name && $0["resource"] as? String == resource
                    && $0["statistic"] as? String == "mean"
            }
            return ((s?["values"] as? [Any]) ?? []).map(num)
        }
        let ratio = try #require(json["baseline_ratio"] as? [String: Any])
        let baseline = try #require(ratio["baseline"] as? [String: Any])
        #expect(baseline["distribution"] as? String == "k3s" && baseline["build"] as? String == "v1.26.5+k3s1")
        // The baseline's CPU: k3s.service 0.08 and the kube-system pods 0.0097 cores.
        let k3sCPU = try #require(num(baseline["cpu"]))
        #expect(abs(k3sCPU / 0.0897 - 1) < 0.002, "k3s \(k3sCPU)")
        let perBuild = try #require(ratio["builds"] as? [[String: Any]])
        let totals = values("total", "platform", "cpu")
        #expect(perBuild.map { $0["build"] as? String } == names)
        for (entry, total) in zip(perBuild, totals) {
            #expect(num(entry["cpu"]) == (try #require(total)) / k3sCPU)
        }
        // The step: the platform and the control plane against k3s change at the seventh build,
        // with the ids of the rows' own change points.
        let points = try #require(ratio["change_points"] as? [[String: Any]])
        #expect(Set(points.compactMap { $0["name"] as? String }) == ["platform", "control-plane"])
        for p in points {
            #expect(p["build"] as? String == names[AnswersScenario.stepAt] && p["direction"] as? String == "regression")
            let level = p["level"] as? String ?? ""
            #expect(
                p["id"] as? String
                    == (try sha256Prefix("ocp\n\(level)\n\(p["name"] as? String ?? "")\ncpu\n\(names[AnswersScenario.stepAt])")))
            let line = values(level, p["name"] as? String ?? "", "cpu")
            let before = line[..<AnswersScenario.stepAt].compactMap { $0 }.reduce(0, +) / Double(AnswersScenario.stepAt)
            #expect(abs(try #require(num(p["ratio_before"])) - before / (level == "total" ? k3sCPU : 0.08)) < 0.05 * before / 0.08)
        }
        // The budget of 1.25 cores: the platform's 1.20 cores (±3 % a build) within it, 1.30 over it.
        let budget = try #require((json["budgets"] as? [[String: Any]])?.first)
        let history = try #require(budget["builds"] as? [[String: Any]])
        #expect(history.map { $0["exceeded"] as? Bool } == names.indices.map { $0 >= AnswersScenario.stepAt })
        for (entry, total) in zip(history, totals) { #expect(num(entry["headroom"]) == 1.25 - (try #require(total))) }
        let budgetID = try sha256Prefix("budget\nocp\ntotal\ncpu")
        #expect(budget["exceeded"] as? Bool == true && budget["id"] as? String == budgetID)
    }

    @Test("the periodic report: the ratio line, builds in the rows, the Jira a ticket needs, every finding with its id")
    func periodic() async throws {
        let (_, config) = try await nightlies()
        let names = AnswersScenario.names
        let folder = ((config as NSString).deletingLastPathComponent as NSString).appendingPathComponent("report")
        let result = try runFedreport([
            "report", "--config", config, "--builds", "12", "--baseline", "k3s", "--format", "md,html,json,jira", "--output", folder,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map(String.init)
        func file(_ ext: String) throws -> String {
            try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".\(ext)") }), encoding: .utf8)
        }
        let json = try ExactJSON.object(try file("json"))
        let perBuild = try #require((json["baseline_ratio"] as? [String: Any])?["builds"] as? [[String: Any]])
        let now = try #require(num(perBuild[11]["memory"]))
        let was = try #require(num(perBuild[10]["memory"]))
        let word = String(format: "%.1f", now) == String(format: "%.1f", was) ? "unchanged from" : (now < was ? "down from" : "up from")
        let md = try file("md")
        #expect(
            md.contains(
                "- \(names[11]) uses \(String(format: "%.1f×", now)) k3s's memory, \(word) \(String(format: "%.1f×", was)) in \(names[10])."
            ))
        // Builds in the rows, under their time stamps; the full names once, in the legend.
        let rows = md.components(separatedBy: "## Provenance")[0].split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(rows.allSatisfy { $0.split(separator: "|", omittingEmptySubsequences: false).count - 2 <= 12 })
        for name in names.dropLast(2) {
            let stamp = try #require(name.split(separator: "-").suffix(3).map(String.init) as [String]?)
            let label = "\(stamp[0])-\(stamp[1]) \(stamp[2].prefix(2)):\(stamp[2].dropFirst(2).prefix(2))"
            #expect(rows.filter { $0.contains(name) } == ["| \(label) | \(name) |"], "\(name)")
            #expect(rows.filter { $0.hasPrefix("| \(label) |") }.count >= 4)
        }
        // Jira: the regressions, the change points, the exceeded budget and the top three targets,
        // each with its id.
        let jira = try file("jira")
        let targets = try #require((json["targets"] as? [String: Any])?["cpu"] as? [[String: Any]])
        for t in targets.prefix(3) { #expect(jira.contains("|\(t["id"] as? String ?? "?")|"), "target \(t["component"] ?? "")") }
        #expect(jira.contains("|CPU|3|") && !jira.contains("|CPU|4|"))
        let budgetID = try sha256Prefix("budget\nocp\ntotal\ncpu")
        #expect(jira.contains("h3. Budgets exceeded (1)") && jira.contains("|\(budgetID)|total|CPU|"))
        #expect(jira.contains("h3. Regressions (") && jira.contains("h3. Change points ("))
        let points = try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]])
        #expect(!points.isEmpty)
        for p in points { #expect(jira.contains("|\(p["id"] as? String ?? "?")|")) }
        // HTML: the ratio chart rings its change points; the tables fit, their cells labelled.
        let html = try file("html")
        #expect(html.contains("ratio change point ") && html.contains("Budgets over the builds"))
        #expect(!html.contains("<td>") || html.contains("data-label="))
    }
}
