import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// `fedreport dashboard`: the JSON has the documented shape, and every query in it runs against
/// the real servers and answers what the reports say: each component's PromQL against the demo
/// Prometheus gives the series collect stored, each SQL against PostgreSQL gives the mean and p95
/// of `compare`.
@Suite("Grafana dashboards from the query set and the component maps", .serialized, .enabled(if: TestBed.shouldRunWithPostgres))
struct DashboardTests {
    static let scenario = Scenarios.demo
    static var window: ClosedRange<TimestampMs> { scenario.collectableWindow }
    static var windowArguments: [String] { ["--start", "\(window.lowerBound / 1000)", "--end", "\(window.upperBound / 1000)"] }
    /// The first point of collect's 30 s grid: the window's start rounded up to the step.
    static var gridStart: TimestampMs { (window.lowerBound + 29_999) / 30_000 * 30_000 }

    static func dashboard(_ arguments: [String]) throws -> [String: Any] {
        let result = try runFedreport(["dashboard"] + arguments, in: repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] { dashboard["panels"] as? [[String: Any]] ?? [] }

    static func variables(_ dashboard: [String: Any]) -> [[String: Any]] {
        (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
    }

    /// The first target of a panel.
    static func target(_ panel: [String: Any]) -> [String: Any] { (panel["targets"] as? [[String: Any]])?.first ?? [:] }

    /// Component names of a shipped map, each once, with their category: what the panels must cover.
    static func components(_ distribution: String) throws -> [(name: String, category: String)] {
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/\(distribution).yaml")
        var seen = Set<String>()
        return map.rules.filter { seen.insert($0.name).inserted }.map { ($0.name, $0.category.rawValue) }
    }

    /// One demo collect per backend, shared.
    actor Collected {
        static let shared = Collected()
        private var beds: [StoreBackend: StoreBed] = [:]
        private var prometheus: PrometheusServer?

        func server() async throws -> PrometheusServer {
            if let prometheus { return prometheus }
            let server = try await TestBed.prometheus(for: DashboardTests.scenario, name: "demo")
            prometheus = server
            return server
        }

        func bed(_ backend: StoreBackend) async throws -> StoreBed {
            if let bed = beds[backend] { return bed }
            let bed = try await StoreBed.make(backend, "dash-\(backend.rawValue)")
            let config = try bed.config(url: try await server().url)
            let result = try runFedreport(["collect", "--config", config, "--quiet"] + DashboardTests.windowArguments)
            guard result.status == 0 else {
                throw NSError(domain: "collect", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr])
            }
            beds[backend] = bed
            return bed
        }
    }

    // MARK: - Shape

    @Test("the JSON parses and has the documented shape", arguments: ["prometheus", "postgres"])
    func shape(datasource: String) throws {
        for distribution in ["ocp", "k3s", "microshift"] {
            let json = try Self.dashboard(["--datasource", datasource, "--distribution", distribution])
            #expect(((json["schemaVersion"] as? NSNumber)?.intValue ?? 0) >= 39)
            #expect((json["uid"] as? String).map { !$0.isEmpty && $0.count <= 40 } == true)
            #expect((json["title"] as? String)?.contains(distribution) == true)
            #expect((json["description"] as? String)?.contains("sha256") == true)
            let variables = Self.variables(json)
            let plugin = datasource == "prometheus" ? "prometheus" : "grafana-postgresql-datasource"
            #expect(variables.first?["type"] as? String == "datasource" && variables.first?["query"] as? String == plugin)
            let names = variables.map { $0["name"] as? String ?? "" }
            #expect(
                names
                    == (datasource == "prometheus"
                        ? ["datasource", "cluster", "version"]
                        : ["datasource", "distribution", "build_a", "build_b", "cluster", "baseline_distribution", "baseline"]))
            let panels = Self.panels(json)
            let ids = panels.compactMap { ($0["id"] as? NSNumber)?.intValue }
            #expect(Set(ids).count == panels.count)
            let rows = panels.filter { $0["type"] as? String == "row" }
            let components = try Self.components(distribution)
            var categories = Category.allCases.map(\.rawValue).filter { c in components.contains { $0.category == c } }
            if datasource == "postgres" && !categories.contains("other") { categories.append("other") }
            #expect(rows.map { $0["title"] as? String ?? "" } == ["Platform total"] + categories)
            var lastY = -1
            for panel in panels {
                let grid = panel["gridPos"] as? [String: Any] ?? [:]
                let (x, y, w) = (
                    (grid["x"] as? NSNumber)?.intValue ?? -1, (grid["y"] as? NSNumber)?.intValue ?? -1,
                    (grid["w"] as? NSNumber)?.intValue ?? -1
                )
                #expect(y >= lastY && x >= 0 && x + w <= 24, "\(panel["title"] ?? "")")
                lastY = y
                guard panel["type"] as? String != "row" else {
                    #expect(w == 24)
                    continue
                }
                let source = panel["datasource"] as? [String: Any]
                #expect(source?["uid"] as? String == "${datasource}" && source?["type"] as? String == plugin)
                let query = Self.target(panel)[datasource == "prometheus" ? "expr" : "rawSql"] as? String ?? ""
                #expect(!query.isEmpty, "\(panel["title"] ?? "")")
            }
            // A panel per component and resource (and per category and resource on PostgreSQL).
            let titles = Set(panels.compactMap { $0["title"] as? String })
            for component in components {
                for resource in ["CPU (cores)", "memory"] {
                    #expect(titles.contains("\(component.name): \(resource)"), "\(distribution): \(component.name) \(resource)")
                }
            }
            let expected = 2 + components.count * 2 + (datasource == "postgres" ? 2 + categories.count * 2 + 2 : 0)
            #expect(panels.count - rows.count == expected, "\(distribution) \(datasource)")
        }
        // Generated twice, the same file.
        let a = try runFedreport(["dashboard", "--datasource", datasource], in: repositoryRoot)
        let b = try runFedreport(["dashboard", "--datasource", datasource], in: repositoryRoot)
        #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
    }

    @Test("--output writes the file; an unknown distribution is refused with the known ones")
    func outputAndErrors() throws {
        let folder = try temporaryFolder("dash-out")
        let written = try runFedreport(["dashboard", "--output", "\(folder)/d.json"], in: repositoryRoot)
        #expect(written.status == 0 && written.stdout == "\(folder)/d.json\n")
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/d.json"))) is [String: Any])
        let unknown = try runFedreport(["dashboard", "--distribution", "rke2"], in: repositoryRoot)
        #expect(
            unknown.status == 1 && unknown.stderr.contains("'rke2'") && unknown.stderr.contains("k3s, microshift, ocp"), "\(unknown.stderr)"
        )
    }

    // MARK: - PromQL against the real Prometheus

    @Test("every PromQL expression runs and gives the series collect stored, per cluster and build", arguments: ["ocp", "k3s"])
    func promql(distribution: String) async throws {
        let server = try await Collected.shared.server()
        let bed = try await Collected.shared.bed(.sqlite)
        let store = try SnapshotStore(path: bed.database, readOnly: true)
        let json = try Self.dashboard(["--distribution", distribution])
        let clusters = Self.scenario.clusters.filter { $0.distribution.rawValue == distribution }.map(\.name)
        #expect(!clusters.isEmpty)
        let step: Int64 = 300_000  // every tenth grid point of collect's 30 s
        var compared = 0
        var withData = 0
        for cluster in clusters {
            // The variables, as Grafana's label_values() asks the labels API.
            let variables = Self.variables(json)
            for variable in variables where variable["type"] as? String == "query" {
                let definition = (variable["definition"] as? String ?? "").replacingOccurrences(of: "$cluster", with: cluster)
                let parts = try #require(definition.wholeMatch(of: /label_values\((.*), (\w+)\)/))
                let values = try labelValues(server.url, String(parts.2), match: String(parts.1))
                if variable["name"] as? String == "cluster" {
                    #expect(values == clusters.sorted())
                } else {
                    let builds = Self.scenario.cluster(named: cluster)?.builds.map(\.version) ?? []
                    #expect(values == builds.sorted(), "\(cluster)")
                }
            }
            let records = try store.snapshots(SnapshotFilter(clusters: [cluster]))
            let stored = try store.componentSeries(snapshotIDs: records.map(\.id))
            for panel in Self.panels(json) where panel["type"] as? String == "timeseries" {
                let title = panel["title"] as? String ?? ""
                let expr = (Self.target(panel)["expr"] as? String ?? "")
                    .replacingOccurrences(of: "$cluster", with: cluster).replacingOccurrences(of: "$version", with: ".*")
                let result = try promRange(server.url, expr, start: Self.gridStart, end: Self.window.upperBound, step: step)
                var answered: [TimestampMs: Double] = [:]
                for series in result {
                    #expect(series.labels[distribution == "ocp" ? "version" : "git_version"] != nil, "\(title): no build label")
                    for (t, v) in series.values { answered[t] = v }
                }
                // What collect stored for the panel's component (or all of them for a total).
                let resource: Resource = title.contains("CPU") ? .cpu : .memory
                let name = title.hasPrefix("Total ") ? nil : String(title.split(separator: ":").first ?? "")
                var expected: [TimestampMs: Double] = [:]
                var present = false
                for record in records {
                    let all = (stored[record.id] ?? []).filter { $0.resource == resource && (name == nil || $0.component.name == name) }
                    present = present || !all.isEmpty
                    let values =
                        name == nil ? sumWhereAllPresent(all, resource: resource, count: record.grid.count) : all.first?.values ?? []
                    for (i, v) in values.enumerated() where v.isFinite && (record.grid.timestamp(at: i) - Self.gridStart) % step == 0 {
                        expected[record.grid.timestamp(at: i)] = v
                    }
                }
                #expect(
                    present == !answered.isEmpty, "\(cluster) \(title): stored \(present), Prometheus answered \(answered.count) points")
                if present { withData += 1 }
                for (t, v) in expected {
                    guard let got = answered[t] else {
                        Issue.record("\(cluster) \(title): no value at \(t), collect stored \(v)")
                        continue
                    }
                    #expect(abs(got - v) <= 1e-9 * max(abs(v), 1e-12), "\(cluster) \(title) at \(t): \(got) vs stored \(v)")
                    compared += 1
                }
            }
        }
        #expect(withData >= 6, "too few panels with data to mean anything")
        #expect(compared > 100)
    }

    // MARK: - SQL against the real PostgreSQL

    @Test("every SQL query runs against the PostgreSQL store and gives compare's mean and p95 for A, B and the baseline")
    func sql() async throws {
        let bed = try await Collected.shared.bed(.postgres)
        let config = "\(bed.folder)/fedreport.yaml"
        let compare = try runFedreport(
            ["compare", "4.6.1", "4.6.8", "--baseline", "k3s", "--config", config, "--format", "json", "--output", "-"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])
        let json = try Self.dashboard(["--datasource", "postgres", "--distribution", "ocp"])
        let values: [String: [String]] = [
            "distribution": ["ocp"], "build_a": ["4.6.1"], "build_b": ["4.6.8"], "cluster": ["test-cluster-0", "test-cluster-1"],
            "baseline_distribution": ["k3s"], "baseline": ["v1.26.5+k3s1"],
        ]
        func run(_ sql: String) throws -> [[String]] {
            var text = sql
            for (name, list) in values {
                text = text.replacingOccurrences(
                    of: "${\(name):sqlstring}",
                    with: list.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ","))
            }
            // Grafana's macro, as its PostgreSQL data source expands it, over all time.
            text = text.replacing(/\$__unixEpochFilter\(([^)]*)\)/) { "\($0.1) >= 0 AND \($0.1) <= 4102444800" }
            #expect(!text.contains("$"), "unexpanded: \(text)")
            let out = try bed.sql(text)
            return out.isEmpty
                ? [] : out.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }
        // The variables list what the store holds.
        let expectedOptions = [
            "distribution": ["k3s", "ocp"], "build_a": ["4.6.1", "4.6.16", "4.6.8"], "build_b": ["4.6.8", "4.6.16", "4.6.1"],
            "cluster": ["test-cluster-0", "test-cluster-1"], "baseline_distribution": ["k3s"], "baseline": ["v1.26.5+k3s1"],
        ]
        for variable in Self.variables(json) where variable["type"] as? String == "query" {
            let name = variable["name"] as? String ?? ""
            #expect(try run(variable["query"] as? String ?? "").map { $0[0] } == expectedOptions[name], "\(name)")
        }
        func side(_ row: [String: Any]?, _ key: String) -> (Double, Double)? {
            guard let s = row?[key] as? [String: Any], let mean = (s["mean"] as? NSNumber)?.doubleValue,
                let p95 = (s["p95"] as? NSNumber)?.doubleValue
            else { return nil }
            return (mean, p95)
        }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-12) }
        var checked = 0
        for panel in Self.panels(json) where panel["type"] as? String == "bargauge" {
            let title = panel["title"] as? String ?? ""
            let resource = title.contains("CPU") ? "cpu" : "memory"
            let rows = try run(Self.target(panel)["rawSql"] as? String ?? "")
            // The report's row for the panel.
            let head = String(title.split(separator: ":").first ?? "")
            let list: String
            let reportRow: [String: Any]?
            if head.hasPrefix("Total ") {
                list = "totals"
                reportRow = (report["totals"] as? [[String: Any]])?.first { $0["resource"] as? String == resource }
            } else if title.hasSuffix("A, B, baseline") {
                list = "categories"
                let category = String(head.split(separator: " ").first ?? "")
                reportRow = (report["categories"] as? [[String: Any]])?.first {
                    $0["category"] as? String == category && $0["resource"] as? String == resource
                }
            } else {
                list = "components"
                reportRow = (report["components"] as? [[String: Any]])?.first {
                    $0["component"] as? String == head && $0["resource"] as? String == resource
                }
            }
            var expected: [(String, (Double, Double))] = []
            if let a = side(reportRow, "a") { expected.append(("A 4.6.1", a)) }
            if let b = side(reportRow, "b") { expected.append(("B 4.6.8", b)) }
            if list != "components", let base = side(reportRow, "baseline") { expected.append(("baseline v1.26.5+k3s1", base)) }
            #expect(rows.map { $0[0] } == expected.map(\.0), "\(title)")
            for (row, want) in zip(rows, expected) {
                let mean = Double(row[1]) ?? .nan
                let p95 = Double(row[2]) ?? .nan
                #expect(close(mean, want.1.0) && close(p95, want.1.1), "\(title) \(row[0]): \(mean), \(p95) vs report \(want.1)")
                checked += 1
            }
        }
        #expect(checked > 60)
        // The trend: one point per build of the distribution, at its first snapshot; 4.6.1's is
        // the total of compare's side A.
        for panel in Self.panels(json) where panel["type"] as? String == "timeseries" {
            let title = panel["title"] as? String ?? ""
            let rows = try run(Self.target(panel)["rawSql"] as? String ?? "")
            #expect(rows.count == 3, "\(title)")
            let resource = title.contains("CPU") ? "cpu" : "memory"
            let total = side((report["totals"] as? [[String: Any]])?.first { $0["resource"] as? String == resource }, "a")
            let first = Self.gridStart / 1000
            let a = try #require(
                rows.first { Int64($0[0]) == first && close(Double($0[1]) ?? .nan, total?.0 ?? .nan) }, "\(title): \(rows)")
            #expect(close(Double(a[2]) ?? .nan, total?.1 ?? .nan))
        }
    }
}

/// The values of `label` on series matching `match`, from Prometheus's labels API (what Grafana's
/// `label_values(match, label)` asks for), sorted.
func labelValues(_ url: String, _ label: String, match: String) throws -> [String] {
    let json = try promGet(url, "/api/v1/label/\(label)/values", ["match[]": match, "start": "0", "end": "4102444800"])
    return ((json["data"] as? [String]) ?? []).sorted()
}
