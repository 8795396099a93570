import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// CI clusters that install a new OpenShift nightly every hour. Each build's usage of each
/// container moves by up to ±3 % from one install to the next (and CPU by ±20 % minute to
/// minute), as real nightlies do; the step scenario plants etcd's CPU at 1.5× from the twelfth
/// build on, on three clusters at once.
enum NightlyScenario {
    static let end = Scenarios.fixedEnd
    static let hour: Int64 = 3_600_000
    static let jitter = 0.03

    /// (namespace, pod, container, cores, bytes). Control plane: etcd 0.10 + kube-apiserver 0.50
    /// cores; with ovn-kubernetes, monitoring and the kubelet the platform has 1.20 cores.
    static let containers: [(String, String, String, Double, Double)] = [
        ("openshift-etcd", "etcd-master-0", "etcd", 0.10, 300e6),
        ("openshift-kube-apiserver", "kube-apiserver-master-0", "kube-apiserver", 0.50, 900e6),
        ("openshift-ovn-kubernetes", "ovnkube-node-abcde", "ovnkube-node", 0.15, 200e6),
        ("openshift-monitoring", "prometheus-k8s-0", "prometheus", 0.25, 1.5e9),
    ]
    static let kubeletCores = 0.20

    /// `n` nightlies an hour apart, the last ending at ``end``.
    static func builds(_ n: Int) -> [(version: String, from: TimestampMs)] {
        let start = end - Int64(n) * hour
        return (0..<n).map { i in
            let from = start + Int64(i) * hour
            return (Scenarios.nightlyName(at: from), from)
        }
    }

    static func cluster(_ name: String, builds: [(version: String, from: TimestampMs)]) -> ScenarioCluster {
        let noise = CPUVariation(dailyAmplitude: 0, peakSecondOfDay: 0, noise: 0.2)
        func usage(_ cores: Double, _ bytes: Double) -> [String: ScenarioUsage] {
            Dictionary(
                uniqueKeysWithValues: builds.map { ($0.version, ScenarioUsage(cpuCores: cores, memoryBytes: bytes, cpuVariation: noise)) })
        }
        let workloads = containers.map { c in
            ScenarioContainer(
                namespace: c.0, pod: c.1, container: c.2, image: "quay.io/x/\(c.2):1", node: "\(name)-master-0", usage: usage(c.3, c.4),
                memoryAmplitude: 0.02)
        }
        let kubelet = ScenarioHostService(
            unit: "kubelet.service", node: "\(name)-master-0", usage: usage(kubeletCores, 150e6), memoryAmplitude: 0.02)
        var cluster = ScenarioCluster(name: name, distribution: .ocp, builds: builds, workloads: workloads, hostServices: [kubelet])
        // A short upgrade, so that most of each hour counts.
        cluster.versionReporting = .operatorSeries(updatingFor: 5 * 60_000)
        return cluster.withBuildNoise(jitter)
    }

    /// The first build of etcd's new level, and the 16 builds: exactly `min_segment` (5) builds
    /// of the new level, so the newest build is the one that shows the change.
    static let stepAt = 11
    static let stepBuilds = builds(16)
    static let stepClusters = ["ci-a", "ci-b", "ci-c"]
    static let step: Scenario = {
        let after = Set(stepBuilds[stepAt...].map(\.version))
        return Scenario(
            dataStart: end - 16 * hour, dataEnd: end,
            clusters: stepClusters.map { cluster($0, builds: stepBuilds).scalingCPU(namespace: "openshift-etcd", by: 1.5, in: after) })
    }()

    /// The same step with two builds more: 18 builds, etcd 1.5× from the twelfth. On the night
    /// build 14 is newest the change first shows, provisional; it settles on the night of 16.
    static let settlingBuilds = builds(18)
    static let settling: Scenario = {
        let after = Set(settlingBuilds[stepAt...].map(\.version))
        return Scenario(
            dataStart: end - 18 * hour, dataEnd: end,
            clusters: stepClusters.map { cluster($0, builds: settlingBuilds).scalingCPU(namespace: "openshift-etcd", by: 1.5, in: after) })
    }()

    static let noiseBuilds = builds(30)
    static let noise = Scenario(dataStart: end - 30 * hour, dataEnd: end, clusters: [cluster("ci-noise", builds: noiseBuilds)])

    /// The generator's mean CPU of the containers of `namespace` in `build`, over the clusters
    /// (each pools the same number of timestamps, so the build's pooled mean is their average).
    static func cpu(namespace: String, build: String, in scenario: Scenario) -> Double {
        let perCluster = scenario.clusters.map { c in
            c.workloads.filter { $0.namespace == namespace }.compactMap { $0.usage[build]?.cpuCores }.reduce(0, +)
        }
        return perCluster.reduce(0, +) / Double(perCluster.count)
    }
}

/// One collected database per scenario, shared by the tests of this file.
actor NightlyDatabases {
    static let shared = NightlyDatabases()
    func get(_ name: String, _ scenario: Scenario) async throws -> (folder: String, config: String) {
        let run = try await CollectedOnce.shared.get(scenario, name: name)
        guard run.result.status == 0 else {
            throw NSError(domain: "collect", code: Int(run.result.status), userInfo: [NSLocalizedDescriptionKey: run.result.stderr])
        }
        return (run.folder, run.config)
    }

    /// A fresh folder with a configuration for `scenario`'s server and no database yet.
    func fresh(_ name: String, _ scenario: Scenario) async throws -> (folder: String, config: String) {
        let server = try await TestBed.prometheus(for: scenario, name: name)
        let folder = try temporaryFolder("\(name)-fresh")
        return (folder, try writeConfig(in: folder, url: server.url))
    }
}

/// The first 10 hex digits of SHA-256 as coreutils' sha256sum gives it: the ids, worked out
/// apart from fedreport.
func sha256Prefix(_ text: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try Tools.require("sha256sum", package: "coreutils"))
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(10))
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

func num(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

/// Text as Jira wiki markup holds it: a backslash before the markup characters that paths and
/// flags have (`-`, `_`, `+`).
func jiraEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "-", with: "\\-").replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "+", with: "\\+")
}

@Suite("Change points, acks and tickets against collected nightlies", .serialized, .enabled(if: TestBed.shouldRun))
struct TrendIntegrationTests {
    /// How the tables name a nightly: `4.7.0-0.nightly-2026-10-22-000000` is `10-22 00:00`.
    static func label(_ name: String) -> String {
        let stamp = name.split(separator: "-").suffix(3).map(String.init)
        return "\(stamp[0])-\(stamp[1]) \(stamp[2].prefix(2)):\(stamp[2].dropFirst(2).prefix(2))"
    }

    typealias S = NightlyScenario

    func step() async throws -> (folder: String, config: String) {
        try await NightlyDatabases.shared.get("nightly-step", S.step)
    }

    /// Every change point of `trend --format json`, as (level, name, resource, statistic, point).
    func changePoints(_ json: [String: Any]) throws -> [(String, String, String, String, [String: Any])] {
        let series = try #require(json["series"] as? [[String: Any]])
        return series.flatMap { s in
            ((s["change_points"] as? [[String: Any]]) ?? []).map {
                (
                    s["level"] as? String ?? "", s["name"] as? String ?? "", s["resource"] as? String ?? "",
                    s["statistic"] as? String ?? "", $0
                )
            }
        }
    }

    @Test("trend finds the planted step at the build the generator planted it, and nothing else")
    func plantedStep() async throws {
        let (_, config) = try await step()
        let result = try runFedreport(["trend", "--config", config, "--builds", "16", "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let names = S.stepBuilds.map(\.version)
        #expect(json["builds"] as? [String] == names)
        #expect(json["distribution"] as? String == "ocp")
        #expect(json["not_enough_builds"] as? Bool == false)
        // Every series has the keys of the documented shape.
        let keys: Set<String> = ["level", "name", "category", "resource", "statistic", "values", "change_points"]
        #expect((json["series"] as? [[String: Any]])?.allSatisfy { keys.isSubset(of: $0.keys) } == true)
        let found = try changePoints(json)
        // etcd +50 %; control-plane 0.60 → 0.65 cores, +8.3 % (above 5 %); the platform
        // 1.20 → 1.25 cores, +4.2 % (below): the step shows on etcd and its category, on the
        // mean and on the p95, at build 11, and nowhere else.
        #expect(
            Set(found.map { "\($0.0)/\($0.1)/\($0.2)/\($0.3)" }) == [
                "component/etcd/cpu/mean", "component/etcd/cpu/p95", "category/control-plane/cpu/mean", "category/control-plane/cpu/p95",
            ])
        for (_, _, _, _, point) in found {
            #expect(point["build"] as? String == names[S.stepAt])
            #expect((point["index"] as? NSNumber)?.intValue == S.stepAt)
            // 16 − 5 = 11: no later build could have been chosen, so the change may still move
            // up to the newest build.
            #expect(point["provisional"] as? Bool == true)
            #expect(point["range"] as? [String: String] == ["first": names[S.stepAt], "last": names[15]])
            #expect(point["direction"] as? String == "regression")
            #expect(point["acknowledged"] as? Bool == false)
            #expect(try #require(num(point["p_value"])) < 0.001)
        }
        // The mean before and after, from the generator's per-build CPU of etcd.
        let etcd = try #require(found.first { $0.1 == "etcd" && $0.3 == "mean" }?.4)
        let before = names[..<S.stepAt].map { S.cpu(namespace: "openshift-etcd", build: $0, in: S.step) }.reduce(0, +) / Double(S.stepAt)
        let after = names[S.stepAt...].map { S.cpu(namespace: "openshift-etcd", build: $0, in: S.step) }.reduce(0, +) / 5
        #expect(abs(try #require(num(etcd["mean_before"])) / before - 1) < 0.02, "before \(etcd["mean_before"] ?? "") vs \(before)")
        #expect(abs(try #require(num(etcd["mean_after"])) / after - 1) < 0.02, "after \(etcd["mean_after"] ?? "") vs \(after)")
        #expect(abs(try #require(num(etcd["change_pct"])) - (after / before - 1) * 100) < 3)
        // The id: SHA-256 of distribution, level, name, resource and first build, one a line,
        // where the change first showed: with 15 builds, at 15 − 5 = 10 (see showsLate).
        #expect(etcd["id"] as? String == (try sha256Prefix("ocp\ncomponent\netcd\ncpu\n\(names[S.stepAt - 1])")))
        #expect(etcd["id_build"] as? String == names[S.stepAt - 1])
        // --component and --resource narrow the series.
        let narrow = try runFedreport([
            "trend", "--config", config, "--builds", "16", "--component", "etcd", "--resource", "cpu", "--format", "json", "--output", "-",
        ])
        let narrowSeries = try #require(try jsonObject(narrow.stdout)["series"] as? [[String: Any]])
        #expect(narrowSeries.map { $0["statistic"] as? String } == ["mean", "p95"])
        #expect(narrowSeries.allSatisfy { $0["name"] as? String == "etcd" && ($0["values"] as? [Any])?.count == 16 })
        let unknown = try runFedreport(["trend", "--config", config, "--component", "etcdd", "--format", "json", "--output", "-"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--component etcdd: no such component") && unknown.stderr.contains("etcd, kube-apiserver"))
    }

    @Test("a change shows once min_segment builds of its new level exist, first where that leaves them, then at its build")
    func showsLate() async throws {
        let (_, config) = try await step()
        let names = S.stepBuilds.map(\.version)
        // Snapshots of a build start after its upgrade, past its `from`: until one second
        // before build h, the history holds builds 0 … h−1.
        func etcd(_ h: Int) throws -> [[String: Any]] {
            let until = (S.stepBuilds[h].from - 1000) / 1000
            let result = try runFedreport([
                "trend", "--config", config, "--builds", "16", "--until", "\(until)", "--component", "etcd", "--resource", "cpu",
                "--format", "json", "--output", "-",
            ])
            let json = try jsonObject(result.stdout)
            #expect((json["builds"] as? [String])?.count == h)
            return try changePoints(json).filter { $0.3 == "mean" }.map(\.4)
        }
        // Three builds of the new level: no split leaves five builds after it and holds the
        // change (worked with scripts/trend-reference.py on 11 × 100 and 3 × 150: nothing).
        #expect(try etcd(14).isEmpty)
        // Four: the last split that leaves five builds after it, build 10, with one old build in
        // the five (the reference: index 10, +40 %).
        let fifteen = try etcd(15)
        #expect(fifteen.map { ($0["index"] as? NSNumber)?.intValue } == [S.stepAt - 1])
        #expect(fifteen.first?["build"] as? String == names[S.stepAt - 1])
    }

    @Test("fewer builds than min_builds: it says so and looks for nothing")
    func notEnoughBuilds() async throws {
        let (_, config) = try await step()
        let result = try runFedreport(["trend", "--config", config, "--builds", "6", "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("not enough builds for change points (have 6, need 10)"))
        let json = try jsonObject(result.stdout)
        #expect(json["not_enough_builds"] as? Bool == true)
        #expect(try changePoints(json).isEmpty)
        let md = try runFedreport(["report", "--config", config, "--builds", "6", "--format", "md", "--output", "-"])
        #expect(md.stdout.contains("Not enough builds for change points (have 6, need 10)."))
    }

    @Test("the periodic report shows the change points in every format, HTML rings them on their lines")
    func reportFormats() async throws {
        let (folder, config) = try await step()
        let result = try runFedreport([
            "report", "--config", config, "--builds", "16", "--format", "md,html,csv,json,jira", "--output", "\(folder)/report",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map(String.init)
        func file(_ ext: String) throws -> String {
            try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".\(ext)") }), encoding: .utf8)
        }
        let names = S.stepBuilds.map(\.version)
        // Each id names the build where the change first showed: for etcd the fifteenth night's
        // build 10 (see showsLate); for control-plane the build of the first night whose trend
        // (the history up to one second before the next build) shows it.
        var cpBuild: String?
        for h in 10...16 where cpBuild == nil {
            let until = h < 16 ? (S.stepBuilds[h].from - 1000) / 1000 : S.step.collectableWindow.upperBound / 1000
            let night = try runFedreport([
                "trend", "--config", config, "--builds", "16", "--until", "\(until)", "--component", "category:control-plane",
                "--resource", "cpu", "--format", "json", "--output", "-",
            ])
            let json = try jsonObject(night.stdout)
            #expect((json["builds"] as? [String])?.count == h)
            cpBuild = try changePoints(json).first?.4["build"] as? String
        }
        let etcdID = try sha256Prefix("ocp\ncomponent\netcd\ncpu\n\(names[S.stepAt - 1])")
        let cpID = try sha256Prefix("ocp\ncategory\ncontrol-plane\ncpu\n\(try #require(cpBuild))")
        let json = try jsonObject(try file("json"))
        let points = try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]])
        #expect(Set(points.compactMap { $0["id"] as? String }) == [etcdID, cpID])
        #expect(points.allSatisfy { ($0["statistics"] as? [String]) == ["mean", "p95"] })
        let md = try file("md")
        #expect(md.contains("## Change points (2)"))
        // The builds go by their time stamp in the table, their full names in the legend of builds;
        // the point is provisional: fewer than min_segment builds follow it.
        let label = Self.label
        #expect(
            md.contains(
                "| \(etcdID) | component | etcd | CPU | \(label(names[S.stepAt])) … \(label(names[15])) (provisional) | mean, p95 |"))
        #expect(md.contains("| \(label(names[S.stepAt])) | \(names[S.stepAt]) |"))
        // Two charts (etcd, control-plane), each with a ring on its mean and its p95 line, and one
        // more on control-plane's line in the chart of the categories' means.
        let html = try file("html")
        #expect(html.components(separatedBy: "class=\"cp cp-up\"").count - 1 == 5)
        #expect(html.contains("change point \(etcdID) at \(names[S.stepAt])"))
        // CSV: one change-point row per statistic and row.
        let csv = try file("csv")
        let cpRows = csv.components(separatedBy: "\r\n").filter { $0.contains(",change-point,") }
        #expect(cpRows.count == 4)
        #expect(cpRows.allSatisfy { $0.contains(names[S.stepAt]) && $0.contains(",regression,provisional,") })
        let jira = try file("jira")
        #expect(jira.contains("h3. Change points (2)"))
        #expect(jira.contains("|\(etcdID)|component|etcd|CPU|"))
        #expect(jira.utf16.count <= 32_767)
        #expect(jira.contains(jiraEscaped("the full report: \(folder)/report/report-ocp-")))
    }

    @Test("nightly night by night fails once per change, on the night it first shows; an ack of it passes; a stale ack warns")
    func nightlyFailsOnce() async throws {
        let names = S.stepBuilds.map(\.version)
        let start = S.step.collectableWindow.lowerBound / 1000
        /// The nightly job on the night build `h − 1` is the newest: collect up to the start of
        /// build h (or the end of the data), then report.
        func arguments(_ h: Int, config: String, output: String) -> [String] {
            let end = h < S.stepBuilds.count ? (S.stepBuilds[h].from - 1000) / 1000 : S.step.collectableWindow.upperBound / 1000
            return [
                "nightly", "--config", config, "--start", "\(start)", "--end", "\(end)", "--builds", "16", "--format", "json",
                "--output", output,
            ]
        }
        func night(_ h: Int, in place: (folder: String, config: String), _ extra: [String] = []) throws -> (RunResult, [[String: Any]]) {
            let result = try runFedreport(arguments(h, config: place.config, output: "\(place.folder)/night-\(h)") + extra)
            let path = try #require(
                result.stdout.split(separator: "\n").map(String.init).last { $0.hasSuffix(".json") }, "\(result.stderr)")
            let json = try jsonObject(try String(contentsOfFile: path, encoding: .utf8))
            return (result, try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]]))
        }

        // Night after night on one database, as cron runs it.
        let place = try await NightlyDatabases.shared.fresh("nightly-step", S.step)
        var failing: [Int] = []
        var firstShown: [String: Int] = [:]
        for h in 11...16 {
            let (result, points) = try night(h, in: place)
            #expect(result.status == 0 || result.status == 3, "\(result.stderr)")
            if result.status == 3 { failing.append(h) }
            for p in points where firstShown[p["name"] as? String ?? ""] == nil { firstShown[p["name"] as? String ?? ""] = h }
            if h == 16 {
                // The whole history: the change at its real first build, with the id of the
                // night it first showed (15, at build 10).
                let etcd = try #require(points.first { $0["name"] as? String == "etcd" })
                #expect(etcd["build"] as? String == names[S.stepAt])
                #expect(etcd["id"] as? String == (try sha256Prefix("ocp\ncomponent\netcd\ncpu\n\(names[S.stepAt - 1])")))
            }
        }
        // Only etcd and its category change, and the job fails on the nights each first shows,
        // not while it moves to its first build nor after.
        #expect(Set(firstShown.keys) == ["etcd", "control-plane"])
        #expect(failing == Array(Set(firstShown.values)).sorted())

        // The night etcd's change first shows, on a database that has only those builds.
        let h = try #require(firstShown["etcd"])
        let fresh = try await NightlyDatabases.shared.fresh("nightly-step", S.step)
        let (failed, shown) = try night(h, in: fresh)
        #expect(failed.status == 3, "\(failed.stderr)")
        let etcd = try #require(shown.first { $0["name"] as? String == "etcd" })
        #expect(failed.stderr.contains("change point \(etcd["id"] as? String ?? "?") (provisional): etcd cpu"))
        #expect(try night(h, in: fresh, ["--fail-on", "none"]).0.status == 0)

        // Acknowledge what that night shows, written from the report (component, or
        // category:<name>, resource, first build); one more entry names a build no change starts at.
        let entries = shown.map { p -> String in
            let component = p["level"] as? String == "category" ? "category:\(p["name"] as? String ?? "")" : p["name"] as? String ?? ""
            return
                "- {component: \"\(component)\", resource: \(p["resource"] as? String ?? ""), build: \"\(p["build"] as? String ?? "")\", "
                + "reason: seen, ticket: OCPBUGS-\(p["id"] as? String ?? "")}"
        }
        let stale = "- {component: kube-apiserver, resource: memory, build: \"\(names[3])\", reason: fixed since, ticket: OCPBUGS-3}"
        try (entries + [stale]).joined(separator: "\n").write(toFile: "\(fresh.folder)/acks.yaml", atomically: true, encoding: .utf8)
        let (passed, acked) = try night(h, in: fresh)
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(!acked.isEmpty)
        #expect(acked.allSatisfy { ($0["acknowledged"] as? [String: String])?["ticket"] == "OCPBUGS-\($0["id"] as? String ?? "")" })
        #expect(
            passed.stderr.contains(
                "warning: \(fresh.folder)/acks.yaml: entry \(entries.count + 1) (kube-apiserver memory at \(names[3]) (OCPBUGS-3)) matches no regression or change point: nothing at that build is a regression or a change point."
            ))
        // An acks file that is not a YAML list of entries is an error naming it.
        try "component: etcd".write(toFile: "\(fresh.folder)/acks.yaml", atomically: true, encoding: .utf8)
        let broken = try runFedreport(arguments(h, config: fresh.config, output: "\(fresh.folder)/broken"))
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("acks.yaml") && broken.stderr.contains("a list of entries"))
    }

    @Test("night by night a late change is provisional with its range, keeps its id when it settles, and its ack carries over")
    func provisionalSettles() async throws {
        let builds = S.settlingBuilds
        let names = builds.map(\.version)
        let start = S.settling.collectableWindow.lowerBound / 1000
        let place = try await NightlyDatabases.shared.fresh("nightly-settling", S.settling)
        /// The nightly job on the night build `h − 1` is newest: collect up to the start of build h.
        func night(_ h: Int) throws -> (result: RunResult, etcd: [String: Any]?, md: String, csv: String) {
            let end = h < builds.count ? (builds[h].from - 1000) / 1000 : S.settling.collectableWindow.upperBound / 1000
            let result = try runFedreport([
                "nightly", "--config", place.config, "--start", "\(start)", "--end", "\(end)", "--builds", "18", "--format",
                "json,md,csv", "--output", "\(place.folder)/night-\(h)",
            ])
            let files = result.stdout.split(separator: "\n").map(String.init)
            func file(_ ext: String) throws -> String {
                try String(contentsOfFile: try #require(files.last { $0.hasSuffix(".\(ext)") }, "\(result.stderr)"), encoding: .utf8)
            }
            let json = try jsonObject(try file("json"))
            #expect(json["builds"] as? [String] == Array(names[..<h]))
            let points = try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]])
            return (result, points.first { $0["name"] as? String == "etcd" }, try file("md"), try file("csv"))
        }
        // etcd 1.5× from build 11 (the generator's input), min_segment 5: a change point needs
        // five builds from it on, so with h builds the latest it can sit at is h − 5.
        let id = try sha256Prefix("ocp\ncomponent\netcd\ncpu\n\(names[S.stepAt - 1])")

        // h = 15: four builds of the new level. The change shows at 15 − 5 = 10, the earliest
        // candidate, and may move up to the newest build, 14.
        let (first, provisional, md, csv) = try night(15)
        let p = try #require(provisional, "\(first.stderr)")
        #expect(p["build"] as? String == names[10] && p["provisional"] as? Bool == true)
        #expect(p["range"] as? [String: String] == ["first": names[10], "last": names[14]])
        #expect(p["id"] as? String == id && p["id_build"] as? String == names[10])
        #expect(first.status == 3)
        #expect(first.stderr.contains("change point \(id) (provisional): etcd cpu +"))
        #expect(first.stderr.contains(" % from \(names[10]) (may move up to \(names[14])), shown by \(names[14])."))
        #expect(md.contains("| \(id) | component | etcd | CPU | \(Self.label(names[10])) … \(Self.label(names[14])) (provisional) |"))
        let etcdRows = csv.components(separatedBy: "\r\n").filter { $0.hasPrefix("component,etcd,") && $0.contains(",change-point,") }
        #expect(etcdRows.count == 2 && etcdRows.allSatisfy { $0.contains(",regression,provisional,") })

        // Acknowledged from that report: component, resource and the build it named.
        try "- {component: etcd, resource: cpu, build: \"\(names[10])\", reason: seen, ticket: OCPBUGS-7}".write(
            toFile: "\(place.folder)/acks.yaml", atomically: true, encoding: .utf8)

        // h = 16: five builds of the new level; 16 − 5 = 11 is the planted build, still the
        // latest possible, so still provisional, now up to 15. Same id, the ack still applies.
        let (second, moving, _, _) = try night(16)
        let m = try #require(moving, "\(second.stderr)")
        #expect(m["build"] as? String == names[11] && m["provisional"] as? Bool == true)
        #expect(m["range"] as? [String: String] == ["first": names[11], "last": names[15]])
        #expect(m["id"] as? String == id && m["id_build"] as? String == names[10])
        #expect((m["acknowledged"] as? [String: String])?["ticket"] == "OCPBUGS-7")
        // Listed as acknowledged, and not the failing line of a new change.
        let etcdLines = second.stderr.split(separator: "\n").filter { $0.hasPrefix("change point \(id) (provisional): etcd cpu +") }
        #expect(
            etcdLines.count == 1
                && etcdLines.allSatisfy { $0.hasSuffix("(may move up to \(names[15])), regression, acknowledged (OCPBUGS-7)") })

        // h = 17: 12 could be chosen and is not: settled at the planted build, same id, still acknowledged.
        let (third, settled, settledMD, _) = try night(17)
        let s = try #require(settled, "\(third.stderr)")
        #expect(s["build"] as? String == names[S.stepAt] && (s["index"] as? NSNumber)?.intValue == S.stepAt)
        #expect(s["provisional"] as? Bool == false && s["range"] is NSNull)
        #expect(s["id"] as? String == id && s["id_build"] as? String == names[10])
        #expect((s["acknowledged"] as? [String: String])?["ticket"] == "OCPBUGS-7")
        #expect(settledMD.contains("| \(id) | component | etcd | CPU | \(Self.label(names[S.stepAt])) | mean, p95 |"))
        #expect(!third.stderr.contains("went stale"), "\(third.stderr)")
    }

    @Test("compare --fail-on-regression: exit 3 until every regression is acknowledged, written from the report")
    func acknowledgedRegressions() async throws {
        let (folder, config) = try await step()
        let names = S.stepBuilds.map(\.version)
        let args = ["compare", names[5], names[15], "--config", config, "--fail-on-regression", "--format", "json", "--output", "-"]
        let failed = try runFedreport(args)
        #expect(failed.status == 3, "\(failed.stderr)")
        let json = try jsonObject(failed.stdout)
        let rows = ["components", "categories", "totals"].flatMap { (json[$0] as? [[String: Any]]) ?? [] }
        let regressions = rows.filter { $0["verdict"] as? String == "regression" }
        #expect(regressions.contains { $0["component"] as? String == "etcd" && $0["resource"] as? String == "cpu" })
        let entries = regressions.map { r -> String in
            let component = r["component"] as? String ?? (r["category"] as? String).map { "category:\($0)" } ?? "total"
            return
                "- {component: \"\(component)\", resource: \(r["resource"] as? String ?? ""), build: \"\(names[15])\", reason: r, ticket: T-\(r["id"] as? String ?? "")}"
        }
        let acks = "\(folder)/acks-compare.yaml"
        try entries.joined(separator: "\n").write(toFile: acks, atomically: true, encoding: .utf8)
        let server = try await TestBed.prometheus(for: S.step, name: "nightly-step")
        let ackedConfig = try writeConfig(in: try temporaryFolder("acked"), url: server.url, extra: "report: {acks: \(acks)}")
        let passed = try runFedreport(args.map { $0 == config ? ackedConfig : $0 } + ["--database", "\(folder)/fedreport.sqlite"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(
            passed.stderr.contains(
                "\(regressions.count) regression(s) from \(names[5]) to \(names[15]), \(regressions.count) of them acknowledged"))
        let ackedRows = ["components", "categories", "totals"].flatMap { (try? jsonObject(passed.stdout))?[$0] as? [[String: Any]] ?? [] }
        #expect(ackedRows.filter { $0["verdict"] as? String == "regression" }.allSatisfy { $0["acknowledged"] is [String: String] })
    }

    @Test("compare of three builds: a column each, changes against the first, a verdict per step; threshold only on one snapshot")
    func threeBuilds() async throws {
        let (_, config) = try await step()
        let names = S.stepBuilds.map(\.version)
        let picked = [names[0], names[5], names[15]]
        let result = try runFedreport(["compare"] + picked + ["--config", config, "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        #expect((json["builds"] as? [[String: Any]])?.map { $0["build"] as? String } == picked)
        let etcd = try #require(
            (json["components"] as? [[String: Any]])?.first { $0["component"] as? String == "etcd" && $0["resource"] as? String == "cpu" })
        let stats = try #require(etcd["stats"] as? [[String: Any]])
        #expect(stats.map { ($0["snapshots"] as? NSNumber)?.intValue } == [3, 3, 3])
        let steps = try #require(etcd["steps"] as? [[String: Any]])
        #expect(steps.map { $0["from"] as? String } == [picked[0], picked[1]])
        #expect(steps[1]["verdict"] as? String == "regression")
        #expect(steps[1]["basis"] as? String == "significance")
        // Against the first build, from the generator's inputs.
        let first = S.cpu(namespace: "openshift-etcd", build: picked[0], in: S.step)
        let last = S.cpu(namespace: "openshift-etcd", build: picked[2], in: S.step)
        let deltas = try #require(etcd["delta_pct_vs_first"] as? [Any])
        #expect(deltas.first is NSNull)
        #expect(abs(try #require(num(deltas[2])) - (last / first - 1) * 100) < 3)
        // Welch's interval and Hedges' g from the per-snapshot means' spread on each side
        // (three snapshots each), worked out here from the sides' standard deviations.
        let b = try #require(stats[1]["snapshot_mean_sd"].flatMap(num))
        let c = try #require(stats[2]["snapshot_mean_sd"].flatMap(num))
        let confidence = try #require(steps[1]["confidence"] as? [String: Any])
        let difference = try #require(num(stats[2]["mean"])) - (try #require(num(stats[1]["mean"])))
        let se2 = b * b / 3 + c * c / 3
        let df = se2 * se2 / (pow(b * b / 3, 2) / 2 + pow(c * c / 3, 2) / 2)
        #expect(abs(try #require(num(confidence["df"])) - df) < 1e-6 * df)
        let low = try #require(num(confidence["ci95_low"]))
        let high = try #require(num(confidence["ci95_high"]))
        #expect(abs((low + high) / 2 - difference) < 1e-9 * abs(difference) + 1e-12)
        // The half width over the standard error is Student's t at 0.975 for df: between
        // t(∞) = 1.96 and t(2) = 4.30 (scipy), the larger the fewer degrees of freedom.
        let t = (high - low) / 2 / se2.squareRoot()
        #expect(t > 1.959 && t < 4.303)
        let pooled = ((b * b + c * c) / 2).squareRoot()
        let correction = exp(lgamma(2.0) - 0.5 * log(2.0) - lgamma(1.5))
        #expect(abs(try #require(num(confidence["hedges_g"])) - difference / pooled * correction) < 1e-6 * abs(difference / pooled))

        // One cluster: one snapshot a side, so the verdict rests on the threshold alone and
        // there is no interval.
        let single = try runFedreport(
            ["compare"] + picked + ["--config", config, "--cluster", "ci-a", "--format", "json", "--output", "-"])
        let singleEtcd = try #require(
            (try jsonObject(single.stdout)["components"] as? [[String: Any]])?.first {
                $0["component"] as? String == "etcd" && $0["resource"] as? String == "cpu"
            })
        let singleSteps = try #require(singleEtcd["steps"] as? [[String: Any]])
        #expect(singleSteps[1]["verdict"] as? String == "regression")
        #expect(singleSteps[1]["basis"] as? String == "threshold-only")
        #expect(singleSteps[1]["confidence"] is NSNull)
        let md = try runFedreport(
            ["compare", picked[1], picked[2], "--config", config, "--cluster", "ci-a", "--format", "md", "--output", "-"])
        #expect(md.stdout.contains("| component | etcd | CPU |"))
        #expect(md.stdout.contains("| threshold only |"))
        #expect(md.stdout.contains("regression · threshold only"))
    }

    @Test("--only-regressions keeps the ticket's part in md, jira and json, and refuses html")
    func onlyRegressions() async throws {
        let (_, config) = try await step()
        let names = S.stepBuilds.map(\.version)
        let json = try runFedreport([
            "compare", names[5], names[15], "--config", config, "--only-regressions", "--format", "json", "--output", "-",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let doc = try jsonObject(json.stdout)
        #expect(Set(doc.keys) == ["a", "b", "baseline", "totals", "regressions", "budgets", "data_quality"])
        let regressions = try #require(doc["regressions"] as? [[String: Any]])
        #expect(regressions.contains { $0["name"] as? String == "etcd" && $0["resource"] as? String == "cpu" })
        let jira = try runFedreport([
            "report", "--config", config, "--builds", "16", "--only-regressions", "--format", "jira", "--output", "-",
        ])
        #expect(jira.status == 0, "\(jira.stderr)")
        #expect(jira.stdout.contains("h3. Change points (2)") && jira.stdout.contains("h3. Regressions"))
        #expect(!jira.stdout.contains("h3. Platform totals") && !jira.stdout.contains("h3. Improvements"))
        #expect(jira.stdout.contains(jiraEscaped("the full report: fedreport report --distribution ocp --format html")))
        let md = try runFedreport([
            "report", "--config", config, "--builds", "16", "--only-regressions", "--format", "md", "--output", "-",
        ])
        #expect(md.stdout.contains("## Change points (2)") && md.stdout.contains("## Data quality"))
        #expect(!md.stdout.contains("## Trend") && !md.stdout.contains("## Components") && !md.stdout.contains("## Provenance"))
        let html = try runFedreport(["report", "--config", config, "--only-regressions", "--format", "html"])
        // A usage error: exit 2.
        #expect(html.status == 2)
        #expect(html.stderr.contains("--only-regressions works with md, jira and json, not html"))
    }

    @Test("the demo's 18 nightlies: the periodic report shows the planted change point and no other")
    func demoNightlies() async throws {
        let scenario = Scenarios.nightlies
        let server = try await TestBed.prometheus(for: scenario, name: "demo-nightlies")
        let folder = try temporaryFolder("demo-nightlies")
        let config = try writeConfig(in: folder, url: server.url)
        let w = scenario.collectableWindow
        let collect = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)", "--step", "60s",
        ])
        #expect(collect.status == 0, "\(collect.stderr)")
        let result = try runFedreport(["report", "--config", config, "--builds", "18", "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let builds = Scenarios.nightlyBuilds.map(\.version)
        #expect(json["builds"] as? [String] == builds)
        let points = try #require((json["change_points"] as? [String: Any])?["points"] as? [[String: Any]])
        #expect(points.count == 1)
        let point = try #require(points.first)
        #expect(point["name"] as? String == "console-operator" && point["resource"] as? String == "cpu")
        #expect(point["build"] as? String == Scenarios.nightlyStepBuild)
        #expect(point["statistics"] as? [String] == ["mean", "p95"])
        // The generator's console-operator CPU before and after the step, over the builds.
        let cluster = try #require(scenario.clusters.first)
        func cores(_ build: String) -> Double {
            cluster.workloads.filter { $0.namespace == Scenarios.nightlyStepNamespace }.compactMap { $0.usage[build]?.cpuCores }
                .reduce(0, +)
        }
        let k = Scenarios.nightlyStepIndex
        let before = builds[..<k].map(cores).reduce(0, +) / Double(k)
        let after = builds[k...].map(cores).reduce(0, +) / Double(builds.count - k)
        #expect(abs(try #require(num(point["change_pct"])) - (after / before - 1) * 100) < 5)
    }

    @Test("nightly on pure noise over 30 builds reports no change point and passes")
    func pureNoise() async throws {
        let (folder, config) = try await NightlyDatabases.shared.fresh("nightly-noise", S.noise)
        let w = S.noise.collectableWindow
        let result = try runFedreport([
            "nightly", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)", "--builds", "30",
            "--format", "json", "--output", "\(folder)/out",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let jsonPath = try #require(result.stdout.split(separator: "\n").map(String.init).last { $0.hasSuffix(".json") })
        let json = try jsonObject(try String(contentsOfFile: jsonPath, encoding: .utf8))
        #expect((json["builds"] as? [String]) == S.noiseBuilds.map(\.version))
        let changes = try #require(json["change_points"] as? [String: Any])
        #expect(changes["not_enough_builds"] as? Bool == false)
        #expect((changes["points"] as? [Any])?.isEmpty == true)
        // Every line was searched: the trend has a value at each of the 30 builds.
        let trend = try runFedreport(["trend", "--config", config, "--builds", "30", "--format", "json", "--output", "-"])
        let series = try #require(try jsonObject(trend.stdout)["series"] as? [[String: Any]])
        #expect(!series.isEmpty)
        #expect(series.allSatisfy { $0["enough_values"] as? Bool == true && ($0["change_points"] as? [Any])?.isEmpty == true })
    }
}
