import FedCore
import FedDashboards
import Foundation
import Testing

/// The dashboards built from a small query set and component map, without a server: the panels,
/// their places on the grid and the expressions each must run, worked out by hand from the
/// definitions below.
@Suite("Grafana dashboards built from definitions")
struct DashboardBuildTests {
    /// Two queries of distribution `tiny`, one per resource.
    static let queries = QuerySet(
        queries: [
            QueryDefinition(
                name: "cpu-q", resource: .cpu, distributions: ["tiny"],
                promql: "rate(cpu_seconds{ {{cluster_matcher}} }[{{rate_window}}])"),
            QueryDefinition(name: "mem-q", resource: .memory, distributions: ["tiny"], promql: "mem_bytes{ {{cluster_matcher}} }"),
        ], folder: "tiny-queries")

    /// etcd by namespace, dns by a namespace pattern, then etcd again by pod name.
    static let map = ComponentMap(
        distribution: "tiny",
        rules: [
            ComponentRule(name: "etcd", category: .controlPlane, selector: try! LabelSelector(parsing: #"{namespace="openshift-etcd"}"#)),
            ComponentRule(name: "dns", category: .networking, selector: try! LabelSelector(parsing: #"{namespace=~"openshift-dns.*"}"#)),
            ComponentRule(name: "etcd", category: .controlPlane, selector: try! LabelSelector(parsing: #"{pod=~"etcd-.*"}"#)),
        ], source: "tiny.yaml")

    static func definitions(_ distribution: String = "tiny", queries: QuerySet = queries) -> DashboardDefinitions {
        DashboardDefinitions(
            querySet: queries, maps: ["tiny": map], distribution: distribution, clusterLabel: "cluster", rateWindow: .minutes(5),
            scrapeInterval: .seconds(30))
    }

    static func items(_ value: JSONValue?) -> [JSONValue] {
        guard case .array(let items)? = value else { return [] }
        return items
    }

    static func text(_ value: JSONValue?) -> String? {
        guard case .string(let s)? = value else { return nil }
        return s
    }

    @Test("the Prometheus dashboard: a row of totals, a row per category, a panel per component and resource")
    func prometheus() throws {
        let dashboard = try GrafanaDashboard.build(Self.definitions(), datasource: .prometheus)
        #expect(dashboard["uid"] == "fedreport-tiny-prometheus")
        #expect(dashboard["title"] == "fedreport: tiny components (Prometheus)")
        #expect(dashboard["schemaVersion"] == 39)
        let panels = Self.items(dashboard["panels"])
        // Categories in their order (control-plane before networking), components in map order
        // each once (etcd's second rule adds no panel), CPU then memory.
        #expect(
            panels.map { Self.text($0["title"]) }
                == [
                    "Platform total", "Total CPU (cores)", "Total memory", "control-plane", "etcd: CPU (cores)", "etcd: memory",
                    "networking", "dns: CPU (cores)", "dns: memory",
                ])
        #expect(panels.map { $0["id"] ?? .null } == (1...9).map { .int(Int64($0)) })
        #expect(
            panels.map { Self.text($0["type"]) } == [
                "row", "timeseries", "timeseries", "row", "timeseries", "timeseries", "row", "timeseries", "timeseries",
            ])
        // A row is 1 high and full width; two panels of 8 × 12 share a line.
        #expect(
            panels.map { $0["gridPos"] } == [
                ["h": 1, "w": 24, "x": 0, "y": 0], ["h": 8, "w": 12, "x": 0, "y": 1], ["h": 8, "w": 12, "x": 12, "y": 1],
                ["h": 1, "w": 24, "x": 0, "y": 9], ["h": 8, "w": 12, "x": 0, "y": 10], ["h": 8, "w": 12, "x": 12, "y": 10],
                ["h": 1, "w": 24, "x": 0, "y": 18], ["h": 8, "w": 12, "x": 0, "y": 19], ["h": 8, "w": 12, "x": 12, "y": 19],
            ])

        // Not OpenShift: the build is kubernetes_build_info's git_version, narrowed by $version.
        func perBuild(_ expr: String) -> String {
            "(\(expr)) + on() group_left(git_version) (0 * topk(1, kubernetes_build_info{cluster=\"$cluster\", git_version=~\"$version\"}))"
        }
        func target(_ panel: JSONValue) throws -> JSONValue { try #require(Self.items(panel["targets"]).first) }
        let cpu = #"rate(cpu_seconds{ cluster="$cluster"%@ }[5m])"#
        func cpuOf(_ matchers: String) -> String { cpu.replacingOccurrences(of: "%@", with: matchers) }
        // The total: every series of the query.
        #expect(try target(panels[1])["expr"] == .string(perBuild("sum(\(cpuOf("")))")))
        #expect(try target(panels[2])["expr"] == .string(perBuild(#"sum(mem_bytes{ cluster="$cluster" })"#)))
        // etcd: its first rule as it is; its second unless dns's rule selects the series first
        // (both patterns can match one series). Its own first rule is not subtracted.
        let etcd =
            "sum(\(cpuOf(#", namespace="openshift-etcd""#)) or (\(cpuOf(#", pod=~"etcd-.*""#)) unless (\(cpuOf(#", namespace=~"openshift-dns.*""#)))))"
        #expect(try target(panels[4])["expr"] == .string(perBuild(etcd)))
        // dns: etcd's first rule comes earlier, but namespace="openshift-etcd" never matches
        // openshift-dns.*, so nothing is subtracted.
        #expect(try target(panels[8])["expr"] == .string(perBuild(#"sum(mem_bytes{ cluster="$cluster", namespace=~"openshift-dns.*" })"#)))
        #expect(try target(panels[4])["legendFormat"] == "{{git_version}}")
        #expect(try target(panels[4])["datasource"] == ["type": "prometheus", "uid": "${datasource}"])
        // Cores are plain numbers with 3 decimals, memory is bytes.
        #expect(panels[4]["fieldConfig"]?["defaults"]?["unit"] == "short")
        #expect(panels[5]["fieldConfig"]?["defaults"]?["unit"] == "bytes")

        let variables = Self.items(dashboard["templating"]?["list"])
        #expect(variables.map { Self.text($0["name"]) } == ["datasource", "cluster", "version"])
        #expect(variables[1]["definition"] == "label_values(container_memory_working_set_bytes, cluster)")
        #expect(variables[2]["definition"] == #"label_values(kubernetes_build_info{cluster="$cluster"}, git_version)"#)
        #expect(variables[2]["multi"] == true && variables[2]["allValue"] == ".*")
        try Self.checkInput(dashboard, name: "DS_PROMETHEUS", label: "Prometheus", plugin: "prometheus")
    }

    /// The one data-source input Grafana's import screen asks for, the `datasource` variable
    /// starting at it, every other data-source reference reading the variable, and no other
    /// `${DS_…}` anywhere in the text.
    static func checkInput(_ dashboard: JSONValue, name: String, label: String, plugin: String) throws {
        let inputs = Self.items(dashboard["__inputs"])
        #expect(inputs.count == 1)
        let input = try #require(inputs.first)
        #expect(input["name"] == .string(name) && input["type"] == "datasource" && input["pluginId"] == .string(plugin))
        #expect(input["label"] == .string(label) && input["pluginName"] == .string(label))
        let variables = Self.items(dashboard["templating"]?["list"])
        let variable = try #require(variables.first)
        #expect(variable["type"] == "datasource" && variable["query"] == .string(plugin))
        #expect(variable["current"]?["value"] == .string("${\(name)}") && variable["current"]?["text"] == .string("${\(name)}"))
        let text = try GrafanaDashboard.text(dashboard)
        // Two mentions: the variable's text and value.
        #expect(text.components(separatedBy: "${DS_").count - 1 == 2)
        #expect(text.components(separatedBy: "\"${\(name)}\"").count - 1 == 2)
        // Every panel and target reads the variable, with the input's plugin.
        for panel in Self.items(dashboard["panels"]) where panel["type"] != "row" {
            #expect(panel["datasource"] == ["type": .string(plugin), "uid": "${datasource}"])
            #expect(Self.items(panel["targets"]).allSatisfy { $0["datasource"] == ["type": .string(plugin), "uid": "${datasource}"] })
        }
    }

    @Test("the PostgreSQL dashboard: A, B and the baseline per category and component, and `other` always")
    func postgres() throws {
        let dashboard = try GrafanaDashboard.build(Self.definitions(), datasource: .postgres)
        #expect(dashboard["uid"] == "fedreport-tiny-postgres")
        let panels = Self.items(dashboard["panels"])
        // The map has no rule for `other`, but unmapped series are stored under it: its row comes last.
        #expect(
            panels.map { Self.text($0["title"]) }
                == [
                    "Platform total", "Total CPU (cores): A, B, baseline", "Total memory: A, B, baseline",
                    "Total CPU (cores) per build", "Total memory per build",
                    "control-plane", "control-plane CPU (cores): A, B, baseline", "control-plane memory: A, B, baseline",
                    "etcd: CPU (cores)", "etcd: memory",
                    "networking", "networking CPU (cores): A, B, baseline", "networking memory: A, B, baseline",
                    "dns: CPU (cores)", "dns: memory",
                    "other", "other CPU (cores): A, B, baseline", "other memory: A, B, baseline", "other: CPU (cores)",
                    "other: memory",
                ])
        // Panels 1-4 fill two lines (y 1 and 9); the control-plane row starts at 17.
        #expect(panels[5]["gridPos"] == ["h": 1, "w": 24, "x": 0, "y": 17])
        let etcdCPU = try #require(Self.text(Self.items(panels[8]["targets"]).first?["rawSql"]))
        #expect(etcdCPU.contains("c.resource = 'cpu' AND c.component = 'etcd'"))
        let controlPlaneMemory = try #require(Self.text(Self.items(panels[7]["targets"]).first?["rawSql"]))
        #expect(controlPlaneMemory.contains("c.resource = 'memory' AND c.category = 'control-plane'"))
        let variables = Self.items(dashboard["templating"]?["list"])
        #expect(
            variables.map { Self.text($0["name"]) }
                == ["datasource", "distribution", "build_a", "build_b", "cluster", "baseline_distribution", "baseline"])
        #expect(variables[1]["current"] == ["text": "tiny", "value": "tiny"])
        try Self.checkInput(dashboard, name: "DS_POSTGRESQL", label: "PostgreSQL", plugin: "grafana-postgresql-datasource")
    }

    @Test("the text is JSON with sorted keys, ending in a newline")
    func text() throws {
        let text = try GrafanaDashboard.text(try GrafanaDashboard.build(Self.definitions(), datasource: .prometheus))
        #expect(text.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((object["panels"] as? [Any])?.count == 9)
        // Top-level keys in sorted order: __inputs first, version last.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys.first == "__inputs" && keys.last == "version" && keys == keys.sorted())
    }

    @Test("definitions a dashboard cannot be built from are refused, saying why")
    func refused() throws {
        #expect(throws: DashboardError.missingMap(distribution: "k3s", known: ["tiny"])) {
            try GrafanaDashboard.build(Self.definitions("k3s"), datasource: .prometheus)
        }
        let noMatcher = QuerySet(
            queries: [QueryDefinition(name: "bad", resource: .cpu, distributions: ["tiny"], promql: "cpu_seconds", source: "bad.yaml")],
            folder: "bad")
        #expect(throws: DashboardError.queryWithoutClusterMatcher(name: "bad", source: "bad.yaml")) {
            try GrafanaDashboard.build(Self.definitions(queries: noMatcher), datasource: .prometheus)
        }
        let otherDistribution = QuerySet(
            queries: [QueryDefinition(name: "q", resource: .cpu, distributions: ["ocp"], promql: "x{ {{cluster_matcher}} }")], folder: "q")
        #expect(throws: DashboardError.noQueries(distribution: "tiny")) {
            try GrafanaDashboard.build(Self.definitions(queries: otherDistribution), datasource: .prometheus)
        }
    }
}
