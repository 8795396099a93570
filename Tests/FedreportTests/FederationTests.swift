import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing
import Yams

/// `fedreport federation`: what an experiment cluster must send, checked by the servers that
/// read it (promtool, and Prometheus itself for every selector).
@Suite("fedreport federation", .serialized, .enabled(if: TestBed.shouldRun))
struct FederationTests {
    func federation(_ format: String, extra: [String] = []) throws -> String {
        let folder = try temporaryFolder("federation")
        let config = try writeConfig(in: folder, url: "http://127.0.0.1:9")
        let r = try runFedreport(
            [
                "federation", "--config", config, "--cluster", "edge-0", "--remote-write-url", "https://hub.example.com/api/v1/receive",
                "--format", format,
            ] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    func selectors(of prometheusYAML: String) throws -> [String] {
        let root = try #require(try Yams.load(yaml: prometheusYAML) as? [String: Any])
        let job = try #require((root["scrape_configs"] as? [[String: Any]])?.first)
        return try #require((job["params"] as? [String: Any])?["match[]"] as? [String])
    }

    @Test("the prometheus form is a prometheus.yml promtool accepts, with honor_labels, external labels and remote_write")
    func prometheusForm() throws {
        let text = try federation("prometheus", extra: ["--bearer-token-file", "/etc/fedreport/token"])
        let folder = try temporaryFolder("federation-promtool")
        let path = "\(folder)/prometheus.yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let promtool = try Tools.require("promtool", package: "prometheus")
        let syntax = try Tools.run(promtool, ["check", "config", "--syntax-only", path])
        #expect(syntax.contains("SUCCESS"), "\(syntax)")
        // The full check reads the files the job names: with them there, it passes too.
        var local = text
        for file in [
            "/var/run/secrets/kubernetes.io/serviceaccount/token", "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt",
            "/etc/fedreport/token",
        ] {
            let copy = "\(folder)/\((file as NSString).lastPathComponent)"
            try "x".write(toFile: copy, atomically: true, encoding: .utf8)
            local = local.replacingOccurrences(of: file, with: copy)
        }
        try local.write(toFile: path, atomically: true, encoding: .utf8)
        let full = try Tools.run(promtool, ["check", "config", path])
        #expect(full.contains("SUCCESS"), "\(full)")
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        let job = try #require((root["scrape_configs"] as? [[String: Any]])?.first)
        #expect(job["honor_labels"] as? Bool == true && job["metrics_path"] as? String == "/federate")
        #expect(((root["global"] as? [String: Any])?["external_labels"] as? [String: String]) == ["cluster": "edge-0"])
        let write = try #require((root["remote_write"] as? [[String: Any]])?.first)
        #expect(write["url"] as? String == "https://hub.example.com/api/v1/receive")
        #expect((write["authorization"] as? [String: String])?["credentials_file"] == "/etc/fedreport/token")
    }

    @Test("every selector is PromQL Prometheus accepts, and together they keep every series the query set reads")
    func selectorsKeepTheQuerySet() async throws {
        let selectors = try selectors(of: try federation("prometheus"))
        #expect(selectors.contains(#"{__name__="cluster_version"}"#) && selectors.contains(#"{__name__="mco_machine_count"}"#))
        #expect(selectors.contains(#"{__name__="kube_node_info"}"#))
        let server = try await TestBed.prometheus(for: CollectScenario.scenario, name: "collect")
        let t = CollectScenario.window.upperBound
        for selector in selectors {
            _ = try promGet(server.url, "/api/v1/series", ["match[]": selector, "start": "\(t / 1000 - 600)", "end": "\(t / 1000)"])
        }
        // Asked of Prometheus: the series each OpenShift query selects, and those of them that a
        // selector of the same metric also selects, are as many.
        let querySet = try QuerySet.load(folder: "\(repositoryRoot)/queries")
        for query in querySet.queries(for: "ocp") {
            let rendered = query.render(clusterLabel: "cluster", cluster: "it-ocp-0", rateWindow: .minutes(5), scrapeInterval: .seconds(30))
            let metric = try #require(FederationSelectors.metricNames(in: query.promql).first)
            let own = selectors.filter { $0.hasPrefix(metric + "{") || $0 == "{__name__=\"\(metric)\"}" }
            #expect(!own.isEmpty, "\(metric)")
            let all = try #require(try promScalar(server.url, "count(\(rendered))", at: t))
            let kept = try #require(
                try promScalar(
                    server.url,
                    "count((\(rendered)) and on(id, namespace, pod, container, prometheus_replica) (\(own.map { "last_over_time(\($0)[5m])" }.joined(separator: " or "))))",
                    at: t))
            #expect(all > 0 && kept == all, "\(query.name): \(kept) of \(all)")
        }
    }

    @Test("the operator form: a ServiceMonitor with honorLabels and params, the Prometheus with remoteWrite and externalLabels, and RBAC")
    func operatorForm() throws {
        let text = try federation("operator")
        let docs = try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
        #expect(
            docs.map { $0["kind"] as? String ?? "" } == [
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ClusterRoleBinding", "ServiceMonitor", "Prometheus",
            ])
        let monitor = try #require(docs.first { $0["kind"] as? String == "ServiceMonitor" })
        #expect(monitor["apiVersion"] as? String == "monitoring.coreos.com/v1")
        let endpoint = try #require(((monitor["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])?.first)
        #expect(
            endpoint["honorLabels"] as? Bool == true && endpoint["path"] as? String == "/federate"
                && endpoint["scheme"] as? String == "https")
        let params = try #require((endpoint["params"] as? [String: Any])?["match[]"] as? [String])
        #expect(params == (try selectors(of: try federation("prometheus"))))
        let prometheus = try #require(docs.first { $0["kind"] as? String == "Prometheus" })
        let spec = try #require(prometheus["spec"] as? [String: Any])
        #expect(spec["externalLabels"] as? [String: String] == ["cluster": "edge-0"])
        #expect((spec["remoteWrite"] as? [[String: Any]])?.first?["url"] as? String == "https://hub.example.com/api/v1/receive")
        let bindings = docs.filter { $0["kind"] as? String == "ClusterRoleBinding" }.compactMap {
            ($0["roleRef"] as? [String: Any])?["name"] as? String
        }
        #expect(bindings.contains("cluster-monitoring-view"))
    }

    @Test("the acm form: the custom allowlist ConfigMap with the metric names, and what ACM cannot forward")
    func acmForm() throws {
        let text = try federation("acm")
        #expect(text.contains("host service"))
        let map = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(map["kind"] as? String == "ConfigMap")
        #expect((map["metadata"] as? [String: Any])?["name"] as? String == "observability-metrics-custom-allowlist")
        let list = try #require((map["data"] as? [String: Any])?["metrics_list.yaml"] as? String)
        let names = try #require((try Yams.load(yaml: list) as? [String: Any])?["names"] as? [String])
        #expect(names.contains("container_cpu_usage_seconds_total") && names.contains("cluster_version"))
    }
}
