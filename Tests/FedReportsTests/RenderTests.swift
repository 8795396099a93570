import FedCore
import FedTestHarness
import Foundation
import Testing

@testable import FedReports

@Suite("Rendering")
struct RenderTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func templates() throws -> TemplateSet {
        try TemplateSet.load(folder: Self.repo.appendingPathComponent("templates").path)
    }

    func checkGolden(_ text: String, _ name: String) throws {
        let url = Self.goldenDir.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["FEDREPORT_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDir, withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            // A recording run never passes: review the diff, then run again without the variable.
            Issue.record("Recorded \(name) (FEDREPORT_RECORD_GOLDEN=1): review the diff, then run the tests without it.")
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("Golden file \(name) is missing; run with FEDREPORT_RECORD_GOLDEN=1 to record it.")
            return
        }
        if expected != text {
            let got = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(name)")
            try? text.write(to: got, atomically: true, encoding: .utf8)
            Issue.record(
                "\(name) differs from its golden file; output written to \(got.path). Re-record with FEDREPORT_RECORD_GOLDEN=1 if the change is intended."
            )
        }
    }

    @Test("Markdown and HTML of a fixed comparison match their golden files")
    func goldenComparison() throws {
        let t = try templates()
        let c = RenderFixture.comparison
        try checkGolden(try TemplateReportRenderer(style: .markdown, templates: t).render(c, context: RenderFixture.context), "compare.md")
        try checkGolden(try TemplateReportRenderer(style: .html, templates: t).render(c, context: RenderFixture.context), "compare.html")
    }

    @Test("Markdown and HTML of a fixed periodic report match their golden files")
    func goldenPeriodic() throws {
        let t = try templates()
        let r = RenderFixture.periodic
        try checkGolden(try TemplateReportRenderer(style: .markdown, templates: t).render(r, context: RenderFixture.context), "periodic.md")
        try checkGolden(try TemplateReportRenderer(style: .html, templates: t).render(r, context: RenderFixture.context), "periodic.html")
    }

    @Test("Change points, three builds, fedreport trend, Jira and --only-regressions match their golden files")
    func goldenIntelligence() throws {
        let t = try templates()
        let r = RenderFixture.trendPeriodic
        let md = TemplateReportRenderer(style: .markdown, templates: t)
        let html = TemplateReportRenderer(style: .html, templates: t)
        try checkGolden(try md.render(r, context: RenderFixture.context), "periodic-trend.md")
        try checkGolden(try html.render(r, context: RenderFixture.context), "periodic-trend.html")
        try checkGolden(try md.render(r.changes, context: RenderFixture.context), "trend.md")
        try checkGolden(try html.render(r.changes, context: RenderFixture.context), "trend.html")
        try checkGolden(try md.render(RenderFixture.multi, context: RenderFixture.context), "multi.md")
        try checkGolden(try html.render(RenderFixture.multi, context: RenderFixture.context), "multi.html")
        var ticket = RenderFixture.context
        ticket.onlyRegressions = true
        ticket.fullReport = "reports/compare-4.6.1_vs_4.7.0-20261127T0930Z.html"
        try checkGolden(JiraRenderer().render(RenderFixture.comparison, context: ticket), "compare.jira")
        try checkGolden(try md.render(RenderFixture.comparison, context: ticket), "compare-only-regressions.md")
        try checkGolden(JiraRenderer().render(r, context: RenderFixture.context), "periodic-trend.jira")
    }

    @Test("Data in HTML is escaped: a member named <script> never appears raw")
    func htmlEscaping() throws {
        let t = try templates()
        let html = try TemplateReportRenderer(style: .html, templates: t).render(RenderFixture.comparison, context: RenderFixture.context)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script"))
        #expect(html.contains("=HYPERLINK(&quot;http://x&quot;)"))
        let periodic = try TemplateReportRenderer(style: .html, templates: t).render(RenderFixture.periodic, context: RenderFixture.context)
        #expect(periodic.contains("&lt;script&gt;"))
        #expect(!periodic.contains("<script"))
        // Self-contained: nothing is fetched.
        for page in [html, periodic] {
            #expect(!page.contains("src="))
            #expect(!page.contains("<link"))
            #expect(!page.contains("@import"))
            #expect(!page.contains("url("))
        }
    }

    @Test("Markdown escapes data so it cannot inject HTML or break a table")
    func markdownEscaping() throws {
        let md = try TemplateReportRenderer(style: .markdown, templates: try templates()).render(
            RenderFixture.comparison, context: RenderFixture.context)
        #expect(md.contains("\\<script\\>alert(1)\\</script\\>"))
        // Every < is escaped, so GitHub shows it as text instead of parsing HTML.
        #expect(md.range(of: #"(^|[^\\])<"#, options: .regularExpression) == nil)
        #expect(markdownEscape("a|b\nc") == "a\\|b c")
        #expect(md.hasPrefix("# Resource comparison: 4.6.1 → 4.7.0\n\n## Headline\n"))
    }

    @Test("Templates that switch HTML escaping off are refused")
    func refusesUnescaped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in TemplateSet.required {
            try "{{% CONTENT_TYPE: TEXT}}\n{{title}}\n".write(
                to: dir.appendingPathComponent("\(name).mustache"), atomically: true, encoding: .utf8)
        }
        _ = try TemplateSet.load(folder: dir.path)
        try "<p>{{{title}}}</p>\n".write(to: dir.appendingPathComponent("report.html.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: TemplateError.unescapedData(path: dir.appendingPathComponent("report.html.mustache").path, line: 1)) {
            try TemplateSet.load(folder: dir.path)
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("report.html.mustache"))
        #expect(throws: TemplateError.missingTemplate(name: "report.html", folder: dir.path)) {
            try TemplateSet.load(folder: dir.path)
        }
    }

    @Test("CSV is RFC 4180 and neutralises formulas in text cells only")
    func csv() throws {
        let c = RenderFixture.comparison
        var b = c
        b.b.distribution = RenderFixture.formula
        let text = CSVRenderer().render(b)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == CSVRenderer.columns.joined(separator: ","))
        #expect(text.hasSuffix("\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // The quote is doubled and the field quoted; the leading = is neutralised.
        #expect(text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","))
        #expect(!text.contains(",=HYPERLINK"))
        // ovnkube memory: 300 MiB / 1.25 = 240 MiB in B against 300 MiB: −20 %, a plain number.
        let ovn = try #require(lines.first { $0.hasPrefix("component,ovnkube,networking,memory,bytes,b,") })
        let cells = ovn.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(cells.count == CSVRenderer.columns.count)
        let delta = try #require(Double(cells[17]))
        #expect(abs(delta - -20) < 1e-9)
        #expect(cells[17].hasPrefix("-"))
        #expect(cells[20] == "improvement")
        // Facts about the whole comparison ride on every row's flags: the fixture's sides come
        // from different clusters and were measured differently; B has a partial snapshot.
        #expect(cells[21] == "partial;measurement-mismatch;cluster-sets-differ")
        #expect(cells[22] == "0")
        // Three rows (a, b, baseline) per category row, two per component row; the answers' rows
        // (targets, breakdown, baseline ratio, budgets) follow with sides of their own.
        let components = c.components.count
        let others = c.categories.count + c.totals.count
        let sides = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(5).first.map(String.init) ?? "" }
        #expect(sides.filter { ["a", "b", "baseline"].contains($0) }.count == 2 * components + 3 * others)
        #expect(Set(sides.dropFirst().filter { !$0.isEmpty }) == ["a", "b", "baseline", "target", "breakdown", "baseline-ratio", "budget"])
        #expect(CSVRenderer.neutralise("-x") == "'-x")
        #expect(CSVRenderer.neutralise("@x") == "'@x")
        #expect(CSVRenderer.neutralise("\tx") == "'\tx")
        #expect(CSVRenderer.neutralise("x=1") == "x=1")
        #expect(CSV.field("a\nb") == "\"a\nb\"")
    }

    @Test("CSV numbers carry at most 10 significant digits; JSON keeps them all")
    func csvDigits() throws {
        #expect(CSVRenderer.number(0.11979875000000005) == "0.11979875")
        #expect(CSVRenderer.number(1.0 / 3) == "0.3333333333")
        #expect(CSVRenderer.number(1_234_567_890_123) == "1234567890000")
        #expect(CSVRenderer.number(-20) == "-20")
        #expect(CSVRenderer.number(-1e-12) == "-1e-12")
        let c = RenderFixture.comparison
        let lines = CSVRenderer().render(c).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONRenderer().render(c).utf8)) as? [String: Any])
        let columns = CSVRenderer.columns
        var compared = 0
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == columns.count, cells[0] == "component", cells[5] == "a" || cells[5] == "b" else { continue }
            let rows = try #require(json["components"] as? [[String: Any]])
            let row = try #require(rows.first { $0["component"] as? String == cells[1] && $0["resource"] as? String == cells[3] })
            for name in ["mean", "p50", "p95", "p99", "max", "min"] {
                let cell = cells[columns.firstIndex(of: name)!]
                guard let side = row[cells[5]] as? [String: Any], let full = side[name] as? Double else { continue }
                // Leading and trailing zeros are not significant.
                let digits = cell.prefix { $0 != "e" }.filter(\.isNumber).drop { $0 == "0" }.reversed().drop { $0 == "0" }
                #expect(digits.count <= 10, "\(cell) has more than 10 significant digits")
                let value = try #require(Double(cell))
                #expect(abs(value - full) <= 5e-10 * abs(full), "\(cell) is not \(full) to 10 digits")
                compared += 1
            }
        }
        #expect(compared > 50)
    }

    @Test("Headlines say large ratios as N× and small changes as percent against the build they compare with")
    func headlineWording() throws {
        let md = try TemplateReportRenderer(style: .markdown, templates: try templates()).render(
            RenderFixture.comparison, context: RenderFixture.context)
        // B's CPU: etcd 0.42 + kube-apiserver 0.9 + ovnkube 0.12 + prometheus 0.25 + other 0.004 +
        // new-operator 0.03 = 1.724 cores; A's: 0.35 + 0.9 + 0.12 + 0.25 + 0.004 + openshift-sdn
        // 0.08 = 1.704 cores, so +1.17 %. k3s: 0.08 + 0.004 = 0.084 cores, 1.724 / 0.084 = 20.5.
        #expect(md.contains("**+1.2 % CPU vs 4.6.1**"))
        #expect(md.contains("B uses 21× the CPU of k3s v1.26.5+k3s1 (84 m)"))
        // B's memory: 1.5 GiB + 1.6 GiB + 240 MiB + 2.1 GiB = 5564.8 MiB; k3s: 900 MiB; 6.18.
        #expect(md.contains("B uses 6.2× the memory of k3s v1.26.5+k3s1 (900.0 MiB)"))
        // The tables keep exact percentages: (1.724 − 0.084) / 0.084 = +1952.4 %.
        #expect(md.contains("| +1952.4 % |"))
        #expect(Units.relative(2311.1, resource: "CPU", reference: "k3s v1").sentence == "B uses 24× the CPU of k3s v1")
        #expect(Units.relative(140, resource: "CPU", reference: "4.6.1").sentence == "B uses 2.4× the CPU of 4.6.1")
        #expect(Units.relative(100, resource: "CPU", reference: "4.6.1").figure == "2.0×")
        #expect(Units.relative(99.9, resource: "CPU", reference: "4.6.1").sentence == "+99.9 % CPU vs 4.6.1")
        #expect(Units.relative(8.4, resource: "CPU", reference: "4.6.1").sentence == "+8.4 % CPU vs 4.6.1")
        #expect(Units.relative(-60, resource: "memory", reference: "x").sentence == "-60.0 % memory vs x")
        #expect(Units.relative(840, resource: "CPU", reference: "x").figure == "9.4×")
        #expect(Units.relative(900, resource: "CPU", reference: "x").figure == "10×")
        #expect(Units.relative(nil, resource: "CPU", reference: "x").figure == "n/a")
    }

    @Test("JSON has exactly the documented keys, null sides and no NaN")
    func json() throws {
        let c = RenderFixture.comparison
        let text = JSONRenderer().render(c)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "a", "b", "baseline", "targets", "delta_breakdown", "baseline_ratio", "budgets", "components", "categories", "totals",
                "data_quality",
            ])
        let a = try #require(object["a"] as? [String: Any])
        #expect(a["build"] as? String == "4.6.1")
        #expect(a["snapshots"] as? Int == 3)
        #expect(a["clusters"] as? [String] == ["test-cluster-0"])
        let components = try #require(object["components"] as? [[String: Any]])
        let newOperator = try #require(components.first { $0["component"] as? String == "new-operator" })
        #expect(newOperator["a"] is NSNull)
        #expect(newOperator["delta_pct"] is NSNull)
        #expect(newOperator["verdict"] as? String == "new")
        let etcd = try #require(components.first { $0["component"] as? String == "etcd" && $0["resource"] as? String == "cpu" })
        for key in ["component", "category", "resource", "unit", "a", "b", "delta_pct", "verdict"] {
            #expect(etcd[key] != nil, "component row lacks \(key)")
        }
        let side = try #require(etcd["a"] as? [String: Any])
        for key in ["mean", "p50", "p95", "p99", "max", "min", "samples", "coverage", "snapshots"] {
            #expect(side[key] != nil, "side lacks \(key)")
        }
        // 0.35 → 0.42 cores: +20 %.
        let delta = try #require(etcd["delta_pct"] as? [String: Any])
        #expect(abs((delta["mean"] as? Double ?? 0) - 20) < 1e-9)
        #expect(etcd["unit"] as? String == "cores")
        let totals = try #require(object["totals"] as? [[String: Any]])
        #expect(totals.map { $0["resource"] as? String } == ["cpu", "memory"])
        #expect(totals.first?["baseline"] is [String: Any])
        let dq = try #require(object["data_quality"] as? [String: Any])
        for key in ["partial_snapshots", "low_coverage", "unmapped", "left_out_samples"] {
            #expect(dq[key] != nil, "data_quality lacks \(key)")
        }
        #expect(dq["left_out_samples"] as? Int == 3)
        // From the fixture: three A snapshots with 2 settling, 3 upgrading and 1 incomplete
        // total each; one B snapshot with 7 points off the grid; one note on A's second.
        let leftOut = try #require(dq["left_out_timestamps"] as? [String: Any])
        #expect(leftOut["settling"] as? Int == 6 && leftOut["upgrading"] as? Int == 9)
        #expect(leftOut["incomplete_totals"] as? Int == 3)
        #expect(dq["off_grid_points"] as? Int == 7)
        #expect(dq["measurement_mismatch"] as? Bool == true)
        let hashes = try #require(dq["measurement_hashes"] as? [[String: Any]])
        #expect(hashes.map { $0["side"] as? String } == ["a", "b"])
        #expect(hashes.map { $0["snapshot_ids"] as? [Int] } == [[1, 2, 3], [4, 5]])
        #expect(dq["cluster_sets_differ"] as? Bool == true)
        let sets = try #require(dq["cluster_sets"] as? [String: Any])
        #expect(sets["only_a"] as? [String] == ["test-cluster-0"] && sets["only_b"] as? [String] == [RenderFixture.formula])
        let notes = try #require(dq["snapshot_notes"] as? [[String: Any]])
        #expect(notes.count == 1 && notes.first?["snapshot_id"] as? Int == 2)
        // Partial snapshots' warnings are not notes: snapshot 5 is partial.
        #expect(!notes.contains { $0["snapshot_id"] as? Int == 5 })
        // No bare NaN or infinity tokens (JSONSerialization above would have refused them too).
        #expect(text.range(of: #"[:\[,]\s*-?(nan|NaN|inf|Infinity)"#, options: .regularExpression) == nil)

        // Without a baseline, `baseline` is null at the top and on category and total rows.
        var noBase = c
        noBase.baseline = nil
        for i in noBase.categories.indices { noBase.categories[i].baseline = nil }
        let bare = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONRenderer().render(noBase).utf8)) as? [String: Any])
        #expect(bare["baseline"] is NSNull)
        #expect((bare["categories"] as? [[String: Any]])?.first?["baseline"] is NSNull)
    }

    @Test("JSON numbers and strings")
    func jsonEncoding() {
        #expect(
            JSONValue.object([("x", .num(.nan)), ("y", .num(1.5)), ("z", .string("a\"\n\u{01}"))]).serialized()
                == "{\n  \"x\": null,\n  \"y\": 1.5,\n  \"z\": \"a\\\"\\n\\u0001\"\n}\n")
        #expect(JSONValue.format(5760) == "5760")
        #expect(JSONValue.format(0.35) == "0.35")
    }

    @Test("Human units")
    func units() {
        #expect(Units.cpu(0.35) == "350 m")
        #expect(Units.cpu(0.0045) == "4.5 m")
        #expect(Units.cpu(1.25) == "1.25 cores")
        #expect(Units.cpu(0.9996) == "1.00 cores")
        #expect(Units.memory(512.3 * 1_048_576) == "512.3 MiB")
        #expect(Units.memory(1.42 * 1_073_741_824) == "1.42 GiB")
        #expect(Units.deltaPct(20) == "+20.0 %")
        #expect(Units.deltaPct(-3.04) == "-3.0 %")
        #expect(Units.deltaPct(-0.01) == "+0.0 %")
        #expect(Units.deltaPct(nil) == "n/a")
        #expect(Units.fileStamp(RenderFixture.generatedAt) == "20261127T0930Z")
    }

    @Test("Line charts scale their axis to the values in round steps, from zero when the values come near it")
    func lineAxis() {
        // 2.66–2.84 cores: a quarter of the spread is 0.045, rounded up to a step of 0.05 cores.
        let cpu = Charts.lineAxis(min: 2.66, max: 2.84, .cpu)
        #expect(abs(cpu.low - 2.65) < 1e-12 && abs(cpu.high - 2.85) < 1e-12 && abs(cpu.step - 0.05) < 1e-12 && cpu.steps == 4)
        // 10.9–11.5 GiB: 0.15 GiB rounded up to 0.2 GiB, from 10.8 to 11.6 GiB.
        let gib = 1_073_741_824.0
        let memory = Charts.lineAxis(min: 10.9 * gib, max: 11.5 * gib, .memory)
        #expect(abs(memory.low - 10.8 * gib) < 1 && abs(memory.high - 11.6 * gib) < 1 && memory.steps == 4)
        // 0.6 m to 2.3 cores: the values come near zero, so the axis starts there, in steps of 1 core.
        let wide = Charts.lineAxis(min: 0.0006, max: 2.3, .cpu)
        #expect(wide.low == 0 && wide.high == 3 && wide.step == 1 && wide.steps == 3)
        // Below one core the steps are round millicores: 40–52 m in steps of 5 m.
        let milli = Charts.lineAxis(min: 0.041, max: 0.052, .cpu)
        #expect(abs(milli.low - 0.040) < 1e-12 && abs(milli.high - 0.055) < 1e-12 && milli.steps == 3)
    }

    @Test("Reports are written atomically under names carrying both builds and the UTC time")
    func writer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-out-\(UUID().uuidString)/reports")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let base = ReportWriter.comparisonBaseName(a: "4.6.1", b: "4.6.8", at: RenderFixture.generatedAt)
        #expect(base == "compare-4.6.1_vs_4.6.8-20261127T0930Z")
        #expect(
            ReportWriter.periodicBaseName(distribution: "ocp", newest: "4.6.16", at: RenderFixture.generatedAt)
                == "report-ocp-4.6.16-20261127T0930Z")
        #expect(ReportWriter.safe("../x/y") == "_._x_y")
        let paths = try ReportWriter.write([(.md, "# hi\n"), (.json, "{}\n")], folder: dir.path, baseName: base)
        #expect(paths.map { ($0 as NSString).lastPathComponent } == ["\(base).md", "\(base).json"])
        #expect(try String(contentsOfFile: paths[0], encoding: .utf8) == "# hi\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        // A folder under a regular file cannot be created (this holds for root too).
        let bad = paths[0] + "/sub"
        #expect(throws: ReportWriteError.self) { try ReportWriter.write([(.md, "x")], folder: bad, baseName: base) }
        do {
            try ReportWriter.write([(.md, "x")], folder: bad, baseName: base)
        } catch {
            #expect(error.localizedDescription.contains(bad))
        }
    }

    @Test("Formats parse from a comma-separated list")
    func formats() throws {
        #expect(try ReportFormat.parseList("md, html,csv,json,md") == [.md, .html, .csv, .json])
        #expect(throws: ReportFormatError.unknown("pdf")) { try ReportFormat.parseList("md,pdf") }
    }

    @Test("The resource locator finds the repository's templates from .build/debug")
    func locator() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-loc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let exe = root.appendingPathComponent(".build/debug/fedreport")
        try FileManager.default.createDirectory(at: exe.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try "x".write(to: root.appendingPathComponent("templates/report.md.mustache"), atomically: true, encoding: .utf8)
        let found = TemplateSet.shippedFolder(env: [:], executablePath: exe.path)
        #expect(found == root.appendingPathComponent("templates").standardizedFileURL.path)
        // FEDREPORT_HOME wins.
        let home = root.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try "x".write(to: home.appendingPathComponent("templates/report.md.mustache"), atomically: true, encoding: .utf8)
        #expect(
            TemplateSet.shippedFolder(env: ["FEDREPORT_HOME": home.path], executablePath: exe.path)
                == home.appendingPathComponent("templates").standardizedFileURL.path)
        // An install prefix: <prefix>/bin/fedreport finds <prefix>/share/fedreport/templates.
        let prefix = root.appendingPathComponent("prefix")
        let share = prefix.appendingPathComponent("share/fedreport/templates")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        try "x".write(to: share.appendingPathComponent("report.md.mustache"), atomically: true, encoding: .utf8)
        #expect(
            ResourceLocator.find(
                "templates/report.md.mustache", env: [:], executablePath: prefix.appendingPathComponent("bin/fedreport").path)
                == share.appendingPathComponent("report.md.mustache").standardizedFileURL.path)
    }
}

@Suite("Rendering end to end")
struct RenderEndToEndTests {
    @Test("All five formats render, each as its own format, and are written under one base name")
    func allFormats() throws {
        let t = try TemplateSet.load(folder: RenderTests.repo.appendingPathComponent("templates").path)
        let c = RenderFixture.comparison
        let files = try Reporter.render(c, formats: ReportFormat.allCases, templates: t, context: RenderFixture.context)
        #expect(files.map(\.0) == [.md, .html, .csv, .json, .jira])
        let text = Dictionary(uniqueKeysWithValues: files)
        // Markdown and HTML are the reviewed golden files of this comparison and context.
        let golden = RenderTests.goldenDir
        #expect(text[.md] == (try String(contentsOf: golden.appendingPathComponent("compare.md"), encoding: .utf8)))
        #expect(text[.html] == (try String(contentsOf: golden.appendingPathComponent("compare.html"), encoding: .utf8)))
        // CSV: the documented header, then A and B per component row and A, B and the baseline per
        // category and total row (the fixture has a baseline), every line ending in CRLF.
        let csv = try #require(text[.csv])
        #expect(
            csv.hasPrefix(
                "level,component,category,resource,unit,side,build,distribution,snapshots,samples,coverage,mean,p50,p95,p99,max,min,"
                    + "delta_pct_mean,delta_pct_p95,delta_pct_max,verdict,flags,left_out,p_value,q_value,ci95_low,ci95_high,hedges_g,"
                    + "basis,id,acknowledged,statistic,mean_before,nodes,share,cumulative_share,change,baseline_mean,baseline_ratio,"
                    + "limit,headroom,exceeded,rank\r\n"))
        let sides = csv.components(separatedBy: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(5).first ?? ""
        }
        #expect(
            sides.filter { ["a", "b", "baseline"].contains($0) }.count == 2 * c.components.count + 3 * (c.categories.count + c.totals.count)
        )
        // JSON: the documented top-level keys in order, and the sides' builds.
        let json = try #require(text[.json])
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { String($0.split(separator: "\"")[1]) }
        #expect(
            keys == [
                "a", "b", "baseline", "targets", "delta_breakdown", "baseline_ratio", "budgets", "components", "categories", "totals",
                "data_quality",
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["a"] as? [String: Any])?["build"] as? String == "4.6.1")
        #expect((object["b"] as? [String: Any])?["build"] as? String == "4.7.0")
        #expect((object["baseline"] as? [String: Any])?["build"] as? String == "v1.26.5+k3s1")
        #expect((object["components"] as? [Any])?.count == c.components.count)
        // Jira wiki markup: a heading naming both builds, a table of the regressions.
        let jira = try #require(text[.jira])
        #expect(jira.hasPrefix("h2. Resource comparison: 4.6.1 → 4.7.0\n"))
        #expect(jira.contains("\nh3. Regressions (") && jira.contains("||Id||Level||Name||"))

        // Written under one base name, one file per format, each holding its text.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-all-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ReportWriter.comparisonBaseName(a: "4.6.1", b: "4.7.0", at: RenderFixture.generatedAt)
        let paths = try ReportWriter.write(files, folder: dir.path, baseName: base)
        #expect(
            paths.map { ($0 as NSString).lastPathComponent }
                == ["md", "html", "csv", "json", "jira"].map { "compare-4.6.1_vs_4.7.0-20261127T0930Z.\($0)" })
        for (path, (_, content)) in zip(paths, files) {
            #expect(try String(contentsOfFile: path, encoding: .utf8) == content)
        }

        let periodic = try Reporter.render(
            RenderFixture.periodic, formats: [.csv, .json], templates: t, context: RenderFixture.context)
        // The periodic CSV ends with one `trend` row per (row, build).
        #expect(periodic[0].1.contains(",trend,4.6.8,ocp,"))
        let periodicJSON = try #require(
            try JSONSerialization.jsonObject(with: Data(periodic[1].1.utf8)) as? [String: Any])
        #expect(periodicJSON["builds"] as? [String] == ["4.6.8", "4.6.9", "4.6.10"])
        #expect(periodicJSON["comparison"] is [String: Any])
    }
}
