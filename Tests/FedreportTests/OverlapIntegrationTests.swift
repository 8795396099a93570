import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// Collects of one cluster and build whose windows overlap, on the demo's data: a second
/// collect from 18:00 beside one from 18:10 (as `collect --window 1d` over hours an earlier run
/// covered leaves them), and a collect at a 45 s step beside one at 30 s. `compare` must count
/// each stretch of time once and give the figures of one collect over the union, worked out
/// here from single collects of each window.
@Suite("Overlapping collects of one cluster and build", .serialized, .enabled(if: TestBed.shouldRun))
struct OverlapIntegrationTests {
    static let scenario = Scenarios.demo
    /// 18:00, the demo's first data; 18:10, where `fedsim window` starts; 00:00, the end.
    static let early = scenario.dataStart / 1000
    static let late = scenario.collectableWindow.lowerBound / 1000
    static let end = scenario.collectableWindow.upperBound / 1000
    /// The 4.6.1 → 4.6.8 upgrade is at 21:00: a collect that ends at 20:30 holds 4.6.1 only.
    static let beforeUpgrade = (scenario.dataStart + 150 * 60_000) / 1000

    /// A fresh database of the demo's test-cluster-0, filled by one collect per window given
    /// (`[start, end]` in seconds, and extra flags), in order.
    func database(_ name: String, _ collects: [(Int64, Int64, [String])]) async throws -> (folder: String, config: String) {
        let server = try await TestBed.prometheus(for: Self.scenario, name: "demo")
        let folder = try temporaryFolder("overlap-\(name)")
        let config = try writeConfig(in: folder, url: server.url)
        for (start, end, extra) in collects {
            let r = try runFedreport(
                ["collect", "--config", config, "--cluster", "test-cluster-0", "--start", "\(start)", "--end", "\(end)", "--quiet"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
        }
        return (folder, config)
    }

    func compare(_ config: String, format: String = "json") throws -> String {
        let r = try runFedreport(["compare", "4.6.1", "4.6.8", "--config", config, "--format", format, "--output", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    /// Every row of a compare JSON by (list, name, resource).
    func rows(_ json: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for list in ["components", "categories", "totals"] {
            for row in json[list] as? [[String: Any]] ?? [] {
                let name = row["component"] as? String ?? row["category"] as? String ?? "platform"
                out["\(list)/\(name)/\(row["resource"] as? String ?? "")"] = row
            }
        }
        return out
    }

    @Test(
        "a second collect from 18:00 beside one from 18:10, in either order: one run over the union, the figures of one collect from 18:00")
    func longerWindow() async throws {
        let single = try await database("single", [(Self.early, Self.end, [])])
        let want = try jsonObject(try compare(single.config))
        let wantRows = rows(want)
        #expect(wantRows.count > 20)
        // 4.6.1 runs until the upgrade at 21:00: 18:00:00 … 20:59:30 is 360 points at 30 s,
        // 18:10:00 … 20:59:30 is 340. The newer collect comes first in priority.
        for (name, order, counted) in [
            ("late-then-early", [Self.late, Self.early], [360, 0]), ("early-then-late", [Self.early, Self.late], [340, 20]),
        ] {
            let (folder, config) = try await database(name, order.map { ($0, Self.end, []) })
            let stored = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots(SnapshotFilter(build: "4.6.1"))
            #expect(stored.count == 2, "\(name)")
            let got = try jsonObject(try compare(config))
            let gotRows = rows(got)
            #expect(Set(gotRows.keys) == Set(wantRows.keys), "\(name)")
            for (key, w) in wantRows {
                let g = try #require(gotRows[key])
                #expect(g["verdict"] as? String == w["verdict"] as? String, "\(name) \(key)")
                for side in ["a", "b"] {
                    guard let ws = w[side] as? [String: Any] else {
                        #expect(g[side] is NSNull, "\(name) \(key) \(side)")
                        continue
                    }
                    let gs = try #require(g[side] as? [String: Any], "\(name) \(key) \(side)")
                    for stat in ["samples", "snapshots", "coverage", "left_out"] {
                        #expect(num(gs[stat]) == num(ws[stat]), "\(name) \(key) \(side) \(stat)")
                    }
                    for stat in ["mean", "p50", "p95", "max", "min"] {
                        let (x, y) = (try #require(num(gs[stat])), try #require(num(ws[stat])))
                        #expect(abs(x - y) <= 1e-12 * max(abs(y), 1e-9), "\(name) \(key) \(side) \(stat): \(x) vs \(y)")
                    }
                }
            }
            // One run a side, though two snapshots are read for A.
            let a = try #require(got["a"] as? [String: Any])
            #expect(num(a["snapshots"]) == 1 && (a["snapshot_ids"] as? [Any])?.count == 2, "\(name)")
            // Left-out timestamps as one collect's, not summed over the two.
            let dq = try #require(got["data_quality"] as? [String: Any])
            let wantDQ = try #require(want["data_quality"] as? [String: Any])
            #expect(
                NSDictionary(dictionary: dq["left_out_timestamps"] as? [String: Any] ?? [:])
                    == NSDictionary(dictionary: wantDQ["left_out_timestamps"] as? [String: Any] ?? [:]), "\(name)")
            // data_quality says what happened: one run, its snapshots newest first, what each gave.
            let overlaps = try #require(dq["overlaps"] as? [[String: Any]])
            #expect(overlaps.count == 1, "\(name)")
            let overlap = try #require(overlaps.first)
            #expect(overlap["cluster"] as? String == "test-cluster-0" && overlap["build"] as? String == "4.6.1")
            #expect(overlap["mode"] as? String == "pooled-union")
            let members = try #require(overlap["snapshots"] as? [[String: Any]])
            let newest = try #require(stored.max { $0.collectedAt < $1.collectedAt })
            #expect(members.map { num($0["snapshot_id"]).map(Int64.init) } == [newest.id, stored.first { $0.id != newest.id }?.id])
            #expect(members.map { num($0["counted"]).map(Int.init) } == counted.map { Optional($0) }, "\(name)")
            #expect(members.map { num($0["dropped"]).map(Int.init) } == [0, 340], "\(name)")
            #expect(num(overlap["counted"]) == 360)
            // Markdown names it in data quality; CSV flags every row of the sides (the answers'
            // rows, told apart by their side, carry no flags).
            let md = try compare(config, format: "md")
            #expect(md.contains("**Overlapping snapshots**") && md.contains("test-cluster-0 4.6.1: snapshots \\#\(newest.id) ("))
            #expect(md.contains("pooled as one run over the union of their timestamps, 360 of which count"))
            let lines = try compare(config, format: "csv").components(separatedBy: "\r\n")
            let side = try #require(lines[0].components(separatedBy: ",").firstIndex(of: "side"))
            let csv = lines.dropFirst().map { $0.components(separatedBy: ",") }.filter { $0.count > side && ["a", "b"].contains($0[side]) }
            #expect(!csv.isEmpty && csv.allSatisfy { $0.contains("overlapping-snapshots") })
        }
        // The single collect has nothing to say about overlaps.
        #expect((want["data_quality"] as? [String: Any])?["overlaps"] as? [Any] != nil)
        #expect(((want["data_quality"] as? [String: Any])?["overlaps"] as? [Any])?.isEmpty == true)
    }

    @Test("a 45 s collect beside a 30 s one over the same hours: each stretch of time counted once, the union's figures")
    func otherStep() async throws {
        // The union, worked out from single collects: the 45 s snapshot (the newer) over its
        // window, the 30 s one's points outside it.
        let thirty = try await database("thirty", [(Self.early, Self.end, [])])
        let fortyFive = try await database("forty-five", [(Self.late, Self.beforeUpgrade, ["--step", "45s"])])
        func only(_ folder: String) throws -> (SnapshotRecord, [ComponentSeries]) {
            let store = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true)
            let records = try store.snapshots(SnapshotFilter(build: "4.6.1"))
            #expect(records.count == 1)
            let record = try #require(records.first)
            return (record, try store.componentSeries(snapshotIDs: [record.id])[record.id] ?? [])
        }
        let (s30, series30) = try only(thirty.folder)
        let (s45, series45) = try only(fortyFive.folder)
        #expect(s30.step == 30_000 && s45.step == 45_000)
        #expect(s30.start < s45.start && s45.end < s30.end)
        let inside = (0..<s30.grid.count).filter { (s45.start...s45.end).contains(s30.grid.timestamp(at: $0)) }.count
        // The 30 s snapshot alone, as the test sums it, is what compare gives for it.
        let alone = try jsonObject(try compare(thirty.config))
        // Both in one database, the 45 s collect the newer.
        let both = try await database("both", [(Self.early, Self.end, []), (Self.late, Self.beforeUpgrade, ["--step", "45s"])])
        let json = try jsonObject(try compare(both.config))
        for resource in Resource.allCases {
            let totals30 = sumWhereAllPresent(series30, resource: resource, count: s30.grid.count)
            let totals45 = sumWhereAllPresent(series45, resource: resource, count: s45.grid.count)
            let row = try #require((alone["totals"] as? [[String: Any]])?.first { $0["resource"] as? String == resource.rawValue })
            let a = try #require(row["a"] as? [String: Any])
            let finite30 = totals30.filter(\.isFinite)
            #expect(num(a["samples"]).map(Int.init) == finite30.count)
            let mean30: Double = finite30.reduce(0, +) / Double(finite30.count)
            let got30 = try #require(num(a["mean"]))
            #expect(abs(got30 / mean30 - 1) < 1e-12)
            let window45 = s45.start...s45.end
            let outside: [Int] = (0..<s30.grid.count).filter { !window45.contains(s30.grid.timestamp(at: $0)) }
            let union: [Double] = totals45.filter(\.isFinite) + outside.map { totals30[$0] }.filter(\.isFinite)
            let got = try #require(
                (json["totals"] as? [[String: Any]])?.first { $0["resource"] as? String == resource.rawValue }?["a"] as? [String: Any])
            #expect(num(got["samples"]).map(Int.init) == union.count, "\(resource)")
            let mean = union.reduce(0, +) / Double(union.count)
            #expect(abs(try #require(num(got["mean"])) / mean - 1) < 1e-12, "\(resource): \(got["mean"] ?? "") vs \(mean)")
            // One run, and counted once: fewer samples than the two snapshots hold together.
            #expect(num(got["snapshots"]) == 1)
            #expect(union.count < finite30.count + totals45.filter(\.isFinite).count)
            let overlap = try #require(((json["data_quality"] as? [String: Any])?["overlaps"] as? [[String: Any]])?.first)
            let members = try #require(overlap["snapshots"] as? [[String: Any]])
            #expect(members.map { num($0["step_ms"]) } == [45_000, 30_000])
            #expect(members.map { num($0["dropped"]).map(Int.init) } == [0, inside])
            #expect(members.map { num($0["counted"]).map(Int.init) } == [s45.includedTimestamps, s30.includedTimestamps - inside])
        }
    }
}
