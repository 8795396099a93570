import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// Numbers that must stay right on a real hub: a member's NaN, HA replicas that fill each other,
/// overlapping collects, points off the step grid, a fatal error half-way through a run. Each
/// drives the real binary against the real Prometheus of the collect scenario, and checks a
/// value worked out by hand, from the generator, or by asking Prometheus itself.
@Suite("Truth on a real hub", .serialized, .enabled(if: TestBed.shouldRun))
struct TruthIntegrationTests {
    let s = CollectScenario.scenario

    func collected() async throws -> (url: String, config: String, store: SnapshotStore) {
        let (url, folder, config, first) = try await CollectedDatabase.shared.get()
        #expect(first.status == 0, "collect failed: \(first.stderr)")
        return (url, config, try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true))
    }

    /// The mean of the finite values of `promql` over `start...end` at 30 s, asked of Prometheus.
    func promMean(_ url: String, _ promql: String, start: TimestampMs, end: TimestampMs) throws -> (mean: Double, points: Int) {
        let values = (try promRange(url, promql, start: start, end: end, step: 30_000).first?.values ?? []).map(\.1).filter(\.isFinite)
        return (values.reduce(0, +) / Double(values.count), values.count)
    }

    /// The `b` side's mean of a row of `compare … --format json` output.
    func bMean(_ rows: Any?, where match: ([String: Any]) -> Bool) throws -> Double {
        let list = try #require(rows as? [[String: Any]])
        let found = list.first(where: match)
        let row = try #require(found)
        let b = try #require(row["b"] as? [String: Any])
        return try #require(b["mean"] as? Double)
    }

    @Test("a member's NaN leaves its category and the platform total out there: both means stay PromQL's, not lowered")
    func nanMemberLeavesTotalsOut() async throws {
        let (url, config, store) = try await collected()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.16")).first)
        let cluster = try #require(s.cluster(named: "it-ocp-1"))
        let fault = try #require(cluster.memberFaults.first)
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        let category = map.classify(LabelSet(["namespace": fault.namespace, "pod": fault.pod, "container": fault.container])).category
        let result = try runFedreport(["compare", "4.6.1", "4.6.16", "--config", config, "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let total = try bMean(json["totals"]) { $0["resource"] as? String == "memory" }
        let categoryMean = try bMean(json["categories"]) {
            $0["resource"] as? String == "memory" && $0["category"] as? String == category.rawValue
        }

        // PromQL over the same timestamps: the sum is NaN wherever a member is, and the
        // timestamps without exactly one completed version do not count. (it-ocp-1 is never
        // upgraded, so no timestamp is upgrading or settling and this filter is the whole rule.)
        // Each sample counts for one scrape interval (`last_over_time(…[29s999ms])`), as in
        // fedreport's queries: backfilled data has no staleness markers.
        let version =
            #"and on() (count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="completed"}[29s999ms]))) == 1)"#
        let containers =
            #"last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD", pod!=""}[29s999ms])"#
        let hosts =
            #"last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", id=~"/system\\.slice/(kubelet|crio|ovs-vswitchd|ovsdb-server)\\.service"}[29s999ms])"#
        let wantTotal = try promMean(url, "(sum(\(containers)) + sum(\(hosts))) \(version)", start: snapshot.start, end: snapshot.end)
        #expect(abs(total / wantTotal.mean - 1) < 0.002, "total \(total) vs PromQL \(wantTotal.mean)")
        let pods = cluster.workloads.filter {
            map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])).category == category
        }.map(\.pod)
        let inCategory =
            #"last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD", pod=~"\#(Set(pods).sorted().joined(separator: "|"))"}[29s999ms])"#
        let wantCategory = try promMean(url, "sum(\(inCategory)) \(version)", start: snapshot.start, end: snapshot.end)
        #expect(abs(categoryMean / wantCategory.mean - 1) < 0.002, "category \(categoryMean) vs PromQL \(wantCategory.mean)")

        // The test can tell: summing the members that have a value (NaN dropped by `>= 0`) over
        // the same timestamps would have lowered both by more than the tolerance.
        let lowered = try promMean(
            url, "(sum(\(containers) >= 0) + sum(\(hosts) >= 0)) \(version)", start: snapshot.start, end: snapshot.end)
        #expect(lowered.points > wantTotal.points)
        #expect(lowered.mean < wantTotal.mean * 0.996, "lowered \(lowered.mean) vs \(wantTotal.mean)")

        // The left-out timestamps are counted, exactly: each scrape of the member's NaN range and
        // the two scrapes where every memory series is NaN (the scenario's only other NaN; its
        // gap leaves every component without a value at once, which is no value, not left out).
        let faultScrapes = s.scrapeTimestamps.filter { fault.nanDuring.contains($0) }.count
        #expect(snapshot.leftOut.incompleteTotals == faultScrapes + CollectScenario.nanTimes.count)
    }

    @Test("NaN on the first HA replica is filled by the second: memory exact at those timestamps, nothing left out")
    func replicaFillsNaN() async throws {
        let (_, _, store) = try await collected()
        let snapshot = try #require(try store.snapshots(SnapshotFilter(build: "4.6.1", clusters: ["it-ocp-0"])).first)
        let cluster = try #require(s.cluster(named: "it-ocp-0"))
        let grid = snapshot.grid
        let faulty = (0..<grid.count).filter { CollectScenario.replicaNaN.contains(grid.timestamp(at: $0)) }
        #expect(faulty.count == 5)
        #expect(snapshot.leftOut.nonFiniteSamples == 0)
        #expect(snapshot.leftOut.incompleteTotals == 0)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        for component in series where component.resource == .memory && component.component != .other {
            #expect(component.leftOut.isEmpty, "\(component.component.name)")
            let members = cluster.workloads.filter {
                map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])) == component.component
            }
            guard !members.isEmpty else { continue }
            for i in faulty {
                // From the generator: replica 1 wrote the model's values there.
                let want = members.compactMap { cluster.memorySample(of: $0, at: grid.timestamp(at: i)) }.reduce(0, +)
                #expect(component.values[i] == want, "\(component.component.name) at \(i)")
            }
        }
    }

    @Test("two overlapping collects of one cluster: coverage counts each timestamp once and stays what PromQL says")
    func overlappingCollects() async throws {
        let (url, _, _) = try await collected()
        let folder = try temporaryFolder("overlap")
        let config = try writeConfig(in: folder, url: url)
        let w = CollectScenario.window
        // The second window holds the version trouble (left-out timestamps inside both grids).
        let second = (CollectScenario.start + 20 * 60_000)...(CollectScenario.start + 60 * 60_000)
        for window in [w, second] {
            let r = try runFedreport([
                "collect", "--config", config, "--cluster", "it-ocp-1", "--start", "\(window.lowerBound / 1000)", "--end",
                "\(window.upperBound / 1000)",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let result = try runFedreport(["compare", "4.6.16", "4.6.16", "--config", config, "--format", "json", "--output", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let totals = try #require(json["totals"] as? [[String: Any]])
        let memory = try #require(totals.first { $0["resource"] as? String == "memory" }?["b"] as? [String: Any])
        let coverage = try #require(memory["coverage"] as? Double)
        // PromQL over the union of the windows (the first holds the second): timestamps with
        // one completed version, and those where the memory total is finite. (it-ocp-1 is never
        // upgraded, so no timestamp is upgrading or settling and this filter is the whole rule.)
        let valid =
            try promRange(
                url, #"count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="completed"}[29s999ms]))) == 1"#,
                start: w.lowerBound,
                end: w.upperBound, step: 30_000
            ).first?.values ?? []
        let stored = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots()
        #expect(stored.count == 2)
        // The snapshots span from the first to the last valid timestamp.
        let span = (stored.map(\.start).min()!)...(stored.map(\.end).max()!)
        let counted = valid.filter { span.contains($0.0) }.count
        let finite =
            try promRange(
                url,
                #"(sum(last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", container!="", container!="POD", pod!=""}[29s999ms])) + sum(last_over_time(container_memory_working_set_bytes{cluster="it-ocp-1", id=~"/system\\.slice/(kubelet|crio|ovs-vswitchd|ovsdb-server)\\.service"}[29s999ms]))) and on() (count(max by (version) (last_over_time(cluster_version{cluster="it-ocp-1", type="completed"}[29s999ms]))) == 1)"#,
                start: span.lowerBound, end: span.upperBound, step: 30_000
            ).first?.values.filter { $0.1.isFinite }.count ?? 0
        #expect(coverage <= 1)
        #expect(abs(coverage - Double(finite) / Double(counted)) < 1e-9, "coverage \(coverage) vs \(finite) / \(counted)")
        let samples = try #require(memory["samples"] as? Int)
        #expect(samples == finite)
    }

    @Test("points off the step grid are not a silent 'no data': counted, stored, warned about, and the snapshot is partial")
    func offGridPoints() async throws {
        let (url, _, _) = try await collected()
        let proxy = try FaultProxy(upstream: url)
        defer { proxy.stop() }
        // A querier that does not align points: every timestamp of k3s's memory answer is a
        // second late.
        proxy.inject(
            .rewrite { body in
                var out = ""
                var rest = Substring(body)
                while let r = rest.range(of: #"\[(\d+)(\.\d+)?,""#, options: .regularExpression) {
                    out += rest[..<r.lowerBound]
                    let match = rest[r]
                    let digits = match.dropFirst().prefix { $0.isNumber }
                    out += "[\(Int64(digits)! + 1)" + match.dropFirst(1 + digits.count)
                    rest = rest[r.upperBound...]
                }
                return out + rest
            }, when: .rangeQuery(containing: #"container_memory_working_set_bytes{ cluster="it-k3s-0", image!="#))
        let folder = try temporaryFolder("offgrid")
        let config = try writeConfig(in: folder, url: proxy.url)
        let w = CollectScenario.window
        let result = try runFedreport([
            "collect", "--config", config, "--cluster", "it-k3s-0", "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("off the 30s step grid"), "\(result.stderr)")
        let snapshot = try #require(try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true).snapshots().first)
        // Every point of that query, as Prometheus itself answers it, went off the grid.
        let points = try promRange(
            url, #"container_memory_working_set_bytes{ cluster="it-k3s-0", container!="", container!="POD", pod!="" }"#,
            start: w.lowerBound, end: w.upperBound, step: 30_000
        ).reduce(0) { $0 + $1.values.count }
        #expect(points > 0)
        #expect(snapshot.offGridPoints == points)
        #expect(snapshot.partial)
    }

    @Test("a fatal error after one cluster completed keeps that cluster whole, stores nothing of the other, names both, exits 5")
    func fatalAfterSomeClusters() async throws {
        let (url, _, _) = try await collected()
        let proxy = try FaultProxy(upstream: url)
        defer { proxy.stop() }
        // kube-rbac-proxy rejects everything about the second cluster; one request at a time,
        // so the first cluster completes before the second starts.
        proxy.inject(.unauthorized, when: .rangeQuery(containing: #"cluster="it-k3s-0""#))
        /// Collects `clusters` in that order, one request at a time, into a new folder.
        func collect(_ clusters: [(String, String)], _ name: String) throws -> (RunResult, String) {
            let folder = try temporaryFolder(name)
            let list = clusters.map { "  - {name: \($0.0), distribution: \($0.1)}" }.joined(separator: "\n")
            let config = try writeConfig(in: folder, url: proxy.url, extra: "clusters:\n\(list)")
            let text = try String(contentsOfFile: config, encoding: .utf8)
            try text.replacingOccurrences(of: "retries: 1", with: "retries: 1\n  max_concurrency: 1")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let w = CollectScenario.window
            let result = try runFedreport([
                "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
            ])
            return (result, "\(folder)/fedreport.sqlite")
        }
        let (result, database) = try collect([("it-ocp-1", "ocp"), ("it-k3s-0", "k3s")], "fatal")
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("it-k3s-0") && result.stderr.contains("401"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing of it-k3s-0"), "\(result.stderr)")
        let stored = try SnapshotStore(path: database, readOnly: true).snapshots()
        #expect(stored.map(\.cluster) == ["it-ocp-1"])
        #expect(stored.allSatisfy { !$0.partial })
        // Whole: the same components, series for series, as the run without the fault stored.
        let (_, _, reference) = try await collected()
        let want = try #require(try reference.snapshots(SnapshotFilter(clusters: ["it-ocp-1"])).first)
        let got = try SnapshotStore(path: database, readOnly: true).componentSeries(snapshotIDs: stored.map(\.id))[stored[0].id] ?? []
        let wantSeries = try reference.componentSeries(snapshotIDs: [want.id])[want.id] ?? []
        #expect(got.count == wantSeries.count && !got.isEmpty)
        #expect(got.map(\.component) == wantSeries.map(\.component))
        #expect(got.map { $0.values.map(\.bitPattern) } == wantSeries.map { $0.values.map(\.bitPattern) })
        #expect(try sqlite(database, "SELECT COUNT(*) FROM snapshot WHERE cluster = 'it-k3s-0'") == "0")
        #expect(try sqlite(database, "PRAGMA integrity_check") == "ok")

        // The other way round: the failing cluster first stops the run before the other starts.
        let (first, fresh) = try collect([("it-k3s-0", "k3s"), ("it-ocp-1", "ocp")], "fatal-first")
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stderr.contains("Nothing was stored"))
        #expect(!FileManager.default.fileExists(atPath: fresh))
        // The same into the database that holds it-ocp-1: left exactly as it was.
        let before = try sqlite(database, ".dump")
        let again = try runFedreport([
            "collect", "--config", (database as NSString).deletingLastPathComponent + "/fedreport.yaml", "--cluster", "it-k3s-0",
            "--start", "\(CollectScenario.window.lowerBound / 1000)", "--end", "\(CollectScenario.window.upperBound / 1000)",
        ])
        #expect(again.status == 1, "\(again.stderr)")
        #expect(try sqlite(database, ".dump") == before)
        // it-ocp-1 was asked only by the first run: its build timeline, its machine-config pools,
        // its nodes and each OpenShift query.
        let ocpQueries = try QuerySet.load(folder: "\(repositoryRoot)/queries").queries(for: "ocp").count
        #expect(proxy.rangeQueries(containing: #"cluster="it-ocp-1""#).count == 3 + ocpQueries)
    }
}

@Suite("Comparisons that say what they compare", .serialized, .enabled(if: TestBed.shouldRun))
struct ComparisonCaveatTests {
    /// Every format of `compare a b` written to a fresh folder: extension → text.
    func allFormats(_ a: String, _ b: String, config: String) throws -> [String: String] {
        let out = try temporaryFolder("caveats")
        let result = try runFedreport(["compare", a, b, "--config", config, "--format", "md,html,csv,json", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        var texts: [String: String] = [:]
        for path in result.stdout.split(separator: "\n").map(String.init) {
            texts[(path as NSString).pathExtension] = try String(contentsOfFile: path, encoding: .utf8)
        }
        #expect(Set(texts.keys) == ["md", "html", "csv", "json"])
        return texts
    }

    func dataQuality(_ json: String?) throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data((json ?? "").utf8)) as? [String: Any])
        return try #require(object["data_quality"] as? [String: Any])
    }

    @Test("A and B from different sets of clusters: said in the headline and data quality of every format")
    func clusterSetsDiffer() async throws {
        let (_, _, config, _) = try await CollectedDatabase.shared.get()
        // 4.6.1 ran on it-ocp-0 and it-ocp-2 (the scenario's upgraded clusters), 4.6.16 on it-ocp-1.
        let texts = try allFormats("4.6.1", "4.6.16", config: config)
        let dq = try dataQuality(texts["json"])
        #expect(dq["cluster_sets_differ"] as? Bool == true)
        let sets = try #require(dq["cluster_sets"] as? [String: Any])
        #expect(sets["a"] as? [String] == ["it-ocp-0", "it-ocp-2"] && sets["b"] as? [String] == ["it-ocp-1"])
        for ext in ["md", "html"] {
            let text = try #require(texts[ext])
            let headline = text.components(separatedBy: ext == "md" ? "| Side |" : "class=\"sides\"")[0]
            #expect(headline.contains("A and B come from different clusters"), "\(ext) headline")
            #expect(text.contains("Different clusters"), "\(ext) data quality")
        }
        let csv = try sideRows(try #require(texts["csv"]))
        #expect(!csv.isEmpty && csv.allSatisfy { $0.contains("cluster-sets-differ") })
        // The same clusters on both sides: no such caution.
        let same = try allFormats("4.6.1", "4.6.8", config: config)
        #expect(try dataQuality(same["json"])["cluster_sets_differ"] as? Bool == false)
        #expect(!(same["md"] ?? "").contains("different clusters"))
    }

    @Test("snapshots measured with a different rate window: measurement_mismatch in every format, and not otherwise")
    func measurementMismatch() async throws {
        let (url, _, _, _) = try await CollectedDatabase.shared.get()
        let folder = try temporaryFolder("measurement")
        let w = CollectScenario.window
        for (cluster, rateWindow) in [("it-ocp-0", "5m"), ("it-ocp-1", "10m")] {
            let config = try writeConfig(in: folder, url: url, extra: "collect:\n  rate_window: \(rateWindow)")
            let r = try runFedreport([
                "collect", "--config", config, "--cluster", cluster, "--start", "\(w.lowerBound / 1000)", "--end",
                "\(w.upperBound / 1000)",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let config = "\(folder)/fedreport.yaml"
        let store = try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true)
        let hashes = Dictionary(grouping: try store.snapshots(), by: \.cluster).mapValues { Set($0.map(\.measurementHash)) }
        #expect(hashes["it-ocp-0"]?.count == 1 && hashes["it-ocp-1"]?.count == 1)
        #expect(hashes["it-ocp-0"] != hashes["it-ocp-1"])
        let texts = try allFormats("4.6.1", "4.6.16", config: config)
        let dq = try dataQuality(texts["json"])
        #expect(dq["measurement_mismatch"] as? Bool == true)
        let uses = try #require(dq["measurement_hashes"] as? [[String: Any]])
        #expect(Set(uses.compactMap { $0["hash"] as? String }) == hashes["it-ocp-0"]!.union(hashes["it-ocp-1"]!))
        #expect((texts["md"] ?? "").contains("Measured differently") && (texts["md"] ?? "").contains("measured differently"))
        #expect((texts["html"] ?? "").contains("Measured differently"))
        let csv = try sideRows(try #require(texts["csv"]))
        #expect(!csv.isEmpty && csv.allSatisfy { $0.contains("measurement-mismatch") })
        // Both builds of it-ocp-0, measured alike: no mismatch.
        let alike = try allFormats("4.6.1", "4.6.8", config: config)
        #expect(try dataQuality(alike["json"])["measurement_mismatch"] as? Bool == false)
        #expect(!(alike["md"] ?? "").contains("Measured differently"))
    }

    @Test("a build name stored for two distributions: compare says so and how to pick one; --distribution picks it")
    func ambiguousBuild() async throws {
        let (url, _, _, _) = try await CollectedDatabase.shared.get()
        let folder = try temporaryFolder("ambiguous")
        // The k3s cluster pinned to the OpenShift cluster's build name.
        let config = try writeConfig(
            in: folder, url: url,
            extra: "clusters:\n  - {name: it-ocp-1, distribution: ocp}\n  - {name: it-ocp-0, distribution: ocp}\n"
                + "  - {name: it-k3s-0, distribution: k3s, version: \"4.6.16\"}")
        let w = CollectScenario.window
        let collect = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        #expect(collect.status == 0, "\(collect.stderr)")
        let plain = try runFedreport(["compare", "4.6.1", "4.6.16", "--config", config, "--format", "json", "--output", "-"])
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("'4.6.16'") && plain.stderr.contains("--distribution"), "\(plain.stderr)")
        let picked = try runFedreport([
            "compare", "4.6.1", "4.6.16", "--distribution", "ocp", "--config", config, "--format", "json", "--output", "-",
        ])
        #expect(picked.status == 0, "\(picked.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(picked.stdout.utf8)) as? [String: Any])
        let b = try #require(json["b"] as? [String: Any])
        #expect(b["distribution"] as? String == "ocp" && b["clusters"] as? [String] == ["it-ocp-1"])
        // k3s has no 4.6.1: the known k3s builds are listed, exit 4.
        let k3s = try runFedreport(["compare", "4.6.1", "4.6.16", "--distribution", "k3s", "--config", config])
        #expect(k3s.status == 4, "\(k3s.stderr)")
        #expect(k3s.stderr.contains("4.6.16"))
    }
}

/// The CSV rows of the sides A, B and the baseline (the answers' rows that follow them carry no
/// flags): `side` is the sixth column, and the names before it hold no comma.
func sideRows(_ csv: String) throws -> [String] {
    let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    let side = try #require(lines.first?.split(separator: ",").firstIndex(of: "side"))
    return lines.dropFirst().filter { line in
        ["a", "b", "baseline"].contains(line.split(separator: ",", omittingEmptySubsequences: false)[side])
    }
}
