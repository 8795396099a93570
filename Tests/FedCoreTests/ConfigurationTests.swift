import FedCore
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("decoding {} gives the documented defaults")
    func defaults() throws {
        let c = try Configuration.parse(yaml: "{}")
        // The defaults the README documents.
        #expect(c.querier.url == "http://localhost:9090")
        #expect(c.querier.timeout == .minutes(2))
        #expect(c.querier.maxConcurrency == 4)
        #expect(c.querier.compression == .auto)
        #expect(c.querier.method == .auto)
        #expect(c.querier.retries == 4)
        #expect(c.querier.insecureSkipTLSVerify == false)
        #expect(c.querier.thanos.dedup == nil && c.querier.thanos.partialResponse == nil)
        #expect(c.database == "fedreport.sqlite")
        #expect(c.collect.window == .hours(24))
        #expect(c.collect.step == .seconds(30))
        #expect(c.collect.rateWindow == .minutes(5))
        #expect(c.collect.settle == .minutes(15))
        #expect(c.collect.clusterLabel == "cluster")
        #expect(c.collect.replicaLabels == ["prometheus_replica", "replica"])
        #expect(c.clusters.isEmpty)
        #expect(c.report.acks == nil)
        #expect(c.report.formats == [.md, .html, .csv, .json])
        #expect(c.trend.pMax == 0.001)
        #expect(c.trend.window == 50)
        #expect(c.trend.minBuilds == 10)
        #expect(c.trend.minSegment == 5)
        #expect(try Configuration.parse(yaml: "") == Configuration())
    }

    @Test("the example from the README parses")
    func example() throws {
        let c = try Configuration.parse(
            yaml: """
                querier:
                  url: https://thanos-querier-thanos.apps.hub.example.com
                  bearer_token_file: /var/run/secrets/fedreport/token
                  ca_file: /etc/fedreport/service-ca.crt
                  insecure_skip_tls_verify: false
                  headers: {THANOS-TENANT: default-tenant}
                  timeout: 2m
                  max_concurrency: 4
                  thanos: {dedup: true, partial_response: false, replica_labels: [prometheus_replica]}
                database: fedreport.sqlite
                collect:
                  window: 24h
                  step: 30s
                  rate_window: 5m
                  settle: 15m
                  cluster_label: cluster
                  replica_labels: [prometheus_replica, replica]
                clusters:
                  - {name: test-cluster-0, distribution: ocp}
                  - {name: edge-k3s-0, distribution: k3s, version: v1.26.5+k3s1}
                """)
        #expect(c.querier.headers == ["THANOS-TENANT": "default-tenant"])
        #expect(c.querier.thanos.dedup == true)
        #expect(c.querier.thanos.partialResponse == false)
        #expect(c.querier.thanos.replicaLabels == ["prometheus_replica"])
        #expect(
            c.clusters == [
                ClusterConfig(name: "test-cluster-0", distribution: "ocp"),
                ClusterConfig(name: "edge-k3s-0", distribution: "k3s", version: "v1.26.5+k3s1"),
            ])
    }

    @Test("errors name the key and what is expected")
    func errors() throws {
        func message(_ yaml: String) -> String {
            do {
                _ = try Configuration.parse(yaml: yaml, source: "f.yaml")
                return ""
            } catch {
                return (error as? ConfigurationError)?.errorDescription ?? "\(error)"
            }
        }
        #expect(message("collect: {stepp: 30s}").contains("Unknown key 'collect.stepp'"))
        #expect(message("collect: {stepp: 30s}").contains("step"))
        #expect(message("collect: {step: 30x}").contains("'30x' is not a duration (collect.step in f.yaml)"))
        #expect(message("querier: {max_concurrency: 0}").contains("querier.max_concurrency"))
        #expect(message("querier: {url: ftp://x}").contains("querier.url"))
        #expect(message("clusters: [{distribution: ocp}]").contains("clusters[0].name"))
        #expect(message("trend: {pmax: 0.01}").contains("Unknown key 'trend.pmax'"))
        #expect(message("trend: {pmax: 0.01}").contains("p_max, window, min_builds, min_segment"))
        #expect(message("trend: {p_max: 1}").contains("trend.p_max"))
        #expect(message("trend: {min_segment: 8}").contains("trend.window") == false)
        #expect(message("trend: {min_segment: 8}").contains("trend.min_builds"))
        #expect(message("trend: {window: 8}").contains("at least twice trend.min_segment (5)"))
        let t = try Configuration.parse(
            yaml: "trend: {p_max: 0.01, window: 30, min_builds: 12, min_segment: 4}\nreport: {acks: ops/acks.yaml}")
        #expect(t.trend.pMax == 0.01 && t.trend.window == 30 && t.trend.minBuilds == 12 && t.trend.minSegment == 4)
        #expect(t.report.acks == "ops/acks.yaml")
        #expect(
            message("querier: {method: put}")
                == "The value 'put' of 'querier.method' in 'f.yaml' is not valid: expected auto, post or get.")
        #expect(
            message("querier: {compression: br}")
                == "The value 'br' of 'querier.compression' in 'f.yaml' is not valid: expected auto, gzip or none.")
        #expect(try Configuration.parse(yaml: "querier: {method: get}").querier.method == .get)
        // report.formats reads as --format does: case and "markdown" as md forgiven, each once.
        #expect(try Configuration.parse(yaml: "report: {formats: [jira, Markdown, md]}").report.formats == [.jira, .md])
        #expect(
            message("report: {formats: [md, pdf]}")
                == "The value 'pdf' of 'report.formats' in 'f.yaml' is not valid: expected md, html, csv, json or jira.")
        #expect(
            message("report: {formats: []}")
                == "The value '[]' of 'report.formats' in 'f.yaml' is not valid: expected one or more of md, html, csv, json or jira.")
        #expect(throws: ConfigurationError.self) { try Configuration.load(path: "/nonexistent/fedreport.yaml") }
    }

    @Test("scrape_interval sets the sample window; a Thanos resolution above raw widens the rate and sample windows")
    func sampleAndResolution() throws {
        let plain = try Configuration.parse(yaml: "{}")
        #expect(plain.collect.scrapeInterval == .seconds(30))
        #expect(QueryDefinition.sampleWindow(plain.collect.scrapeInterval).description == "29s999ms")
        #expect(plain.effectiveCollect == plain.collect)
        let minute = try Configuration.parse(yaml: "collect: {scrape_interval: 1m}")
        #expect(QueryDefinition.sampleWindow(minute.effectiveCollect.scrapeInterval).description == "59s999ms")
        // By hand: 4 × 5m = 20m of rate window, a sample per 5 m step; 1h gives 4h.
        let five = try Configuration.parse(yaml: "querier: {thanos: {max_source_resolution: 5m}}")
        #expect(five.effectiveCollect.rateWindow == .minutes(20) && five.effectiveCollect.scrapeInterval == .minutes(5))
        let hour = try Configuration.parse(yaml: "querier: {thanos: {max_source_resolution: 1h}}")
        #expect(hour.effectiveCollect.rateWindow == .hours(4))
        for raw in ["auto", "0s"] {
            let c = try Configuration.parse(yaml: "querier: {thanos: {max_source_resolution: \(raw)}}")
            #expect(c.effectiveCollect == c.collect, "\(raw)")
        }
        #expect(throws: ConfigurationError.self) { try Configuration.parse(yaml: "querier: {thanos: {max_source_resolution: 5x}}") }
        #expect(throws: ConfigurationError.self) { try Configuration.parse(yaml: "collect: {scrape_interval: 3m}") }
    }
}
