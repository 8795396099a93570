import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

@testable import FedReports

/// `compare 4.6.1 4.6.8 4.6.16` on the demo's data: 4.6.1 and 4.6.8 ran on test-cluster-0,
/// 4.6.16 on test-cluster-1. Each cell's change must be that of the step its verdict judges,
/// and the step that crosses clusters must carry the two-build compare's caution.
@Suite("Compare of three builds: steps and their cautions", .serialized, .enabled(if: TestBed.shouldRun))
struct MultiCompareIntegrationTests {
    static let builds = ["4.6.1", "4.6.8", "4.6.16"]

    /// Which clusters ran each build, from the scenario's definition.
    static func clusters(of build: String) -> [String] {
        Scenarios.demo.clusters.filter { c in c.builds.contains { $0.0 == build } }.map(\.name).sorted()
    }

    func database() async throws -> (folder: String, config: String) {
        let server = try await TestBed.prometheus(for: Scenarios.demo, name: "demo")
        let folder = try temporaryFolder("multi-compare")
        let config = try writeConfig(in: folder, url: server.url)
        let w = Scenarios.demo.collectableWindow
        let r = try runFedreport(["collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)"])
        #expect(r.status == 0, "\(r.stderr)")
        return (folder, config)
    }

    @Test("each cell's change is its step's, beside its verdict; the change vs the first is labelled; a cross-cluster step is cautioned")
    func steps() async throws {
        #expect(Self.clusters(of: "4.6.1") == ["test-cluster-0"] && Self.clusters(of: "4.6.8") == ["test-cluster-0"])
        #expect(Self.clusters(of: "4.6.16") == ["test-cluster-1"])
        let (folder, config) = try await database()
        let r = try runFedreport(
            ["compare"] + Self.builds + ["--config", config, "--format", "md,html,json,jira", "--output", "\(folder)/three"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = r.stdout.split(separator: "\n").map(String.init)
        func file(_ ext: String) throws -> String {
            try String(contentsOfFile: try #require(files.first { $0.hasSuffix(".\(ext)") }), encoding: .utf8)
        }
        let json = try jsonObject(try file("json"))

        // Each row: the step's change from the two builds' means, the change against the first
        // from the first and third, and the step's verdict.
        struct Expected {
            var step: [String]  // per build after the first
            var vsFirst: String
            var verdicts: [String]
        }
        var expected: [String: Expected] = [:]
        var checked = 0
        for list in ["categories", "totals"] {
            for row in try #require(json[list] as? [[String: Any]]) {
                let stats = try #require(row["stats"] as? [Any])
                let means = stats.map { ($0 as? [String: Any]).flatMap { num($0["mean"]) } }
                guard let m0 = means[0], let m1 = means[1], let m2 = means[2], m0 > 0, m1 > 0 else { continue }
                let steps = try #require(row["steps"] as? [[String: Any]])
                let name = row["category"] as? String ?? "total"
                let resource = try #require(row["resource"] as? String)
                expected["\(name)|\(resource)"] = Expected(
                    step: [Units.deltaPct((m1 / m0 - 1) * 100), Units.deltaPct((m2 / m1 - 1) * 100)],
                    vsFirst: Units.deltaPct((m2 / m0 - 1) * 100), verdicts: steps.map { $0["verdict"] as? String ?? "" })
            }
        }
        #expect(expected.count > 10)
        // At least one row whose step and change against the first differ in sign or size, so
        // that a cell showing the wrong one fails.
        #expect(expected.values.contains { $0.step[1] != $0.vsFirst })

        // Markdown: the categories table, "| name | resource | 4.6.1 | 4.6.8 | 4.6.16 |".
        let md = try file("md")
        for line in md.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 7, let e = expected["\(cells[1])|\(cells[2].lowercased())"] else { continue }
            #expect(cells[4].contains("(\(e.step[0]) · \(e.verdicts[0])"), "\(line)")
            #expect(!cells[4].contains(" vs "), "\(line)")
            #expect(cells[5].contains("(\(e.step[1]) · \(e.verdicts[1])"), "\(line)")
            #expect(cells[5].hasSuffix("; \(e.vsFirst) vs 4.6.1)"), "\(line)")
            checked += 1
        }
        #expect(checked >= expected.count - 2)  // the totals go by "CPU"/"memory" in their own table
        #expect(md.contains("Each change is that of the step from the build before, as is its verdict"))

        // The cautions: only the step 4.6.8 → 4.6.16 crosses clusters.
        let caution = "4.6.8 and 4.6.16 come from different clusters (4.6.8: test-cluster-0; 4.6.16: test-cluster-1)"
        #expect(md.contains("> **Caution:** \(caution): a different mix of clusters can move the pooled figures on its own."))
        #expect(!md.contains("4.6.1 and 4.6.8 come from different clusters"))
        let html = try file("html")
        #expect(html.contains(#"<p class="caution"><b>Caution:</b> "# + caution))
        #expect(!html.contains("4.6.1 and 4.6.8 come from different clusters"))
        let steps = try #require(json["steps"] as? [[String: Any]])
        #expect(steps.map { $0["cluster_sets_differ"] as? Bool } == [false, true])
        #expect(steps[0]["cluster_sets"] is NSNull)
        let sets = try #require(steps[1]["cluster_sets"] as? [String: Any])
        #expect(sets["a"] as? [String] == Self.clusters(of: "4.6.8") && sets["b"] as? [String] == Self.clusters(of: "4.6.16"))
        #expect(sets["only_a"] as? [String] == ["test-cluster-0"] && sets["only_b"] as? [String] == ["test-cluster-1"])

        // The same step compared as two builds gives the same caution and the same figures.
        let two = try jsonObject(
            try runFedreport(["compare", "4.6.8", "4.6.16", "--config", config, "--format", "json", "--output", "-"]).stdout)
        #expect((two["data_quality"] as? [String: Any])?["cluster_sets_differ"] as? Bool == true)
        let twoTotals = try #require(two["totals"] as? [[String: Any]])
        for total in twoTotals {
            let resource = try #require(total["resource"] as? String)
            let e = try #require(expected["total|\(resource)"])
            let pct = try #require(num((total["delta_pct"] as? [String: Any])?["mean"]))
            #expect(Units.deltaPct(pct) == e.step[1], "\(resource)")
            #expect(total["verdict"] as? String == e.verdicts[1], "\(resource)")
        }

        // Jira's headline: each build's change against the build before it, named.
        let jira = try file("jira")
        let cpu = try #require(expected["total|cpu"])
        #expect(jira.contains(" vs 4.6.1, \(cpu.verdicts[0])"))
        #expect(jira.contains(" vs 4.6.8, \(cpu.verdicts[1])"))
        #expect(jira.contains("; \(JiraRenderer.escape(cpu.vsFirst)) vs 4.6.1)"))
        #expect(!jira.contains("vs first"))
    }
}
