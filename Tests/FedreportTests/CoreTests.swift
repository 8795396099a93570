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

    @Test("a missing configuration file is said once, naming the file and the flag, with no double period")
    func missingConfiguration() throws {
        let r = try runFedreport(["builds", "--config", "/nonexistent/fedreport-missing.yaml"])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains("'/nonexistent/fedreport-missing.yaml': it does not exist. Check the path given to --config"), "\(r.stderr)")
        #expect(!r.stderr.contains(".."))
        #expect(r.stderr.components(separatedBy: "does not exist").count == 2)
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

@Suite("Durations")
struct DurationTests {
    @Test func parsing() {
        #expect(PromDuration.parse("30s")?.milliseconds == 30_000)
        #expect(PromDuration.parse("1h30m")?.milliseconds == 5_400_000)
        #expect(PromDuration.parse("100ms")?.milliseconds == 100)
        #expect(PromDuration.parse("2d")?.milliseconds == 172_800_000)
        #expect(PromDuration.parse("1m30s500ms")?.milliseconds == 90_500)
        for bad in ["", "30", "s", "30x", "1s1h", "1m1m", "-5m", "99999999999999999999s"] {
            #expect(PromDuration.parse(bad) == nil, "\(bad)")
        }
        #expect(PromDuration(milliseconds: 5_400_000).description == "1h30m")
        #expect(PromDuration(milliseconds: 86_400_000).description == "1d")
    }
}

@Suite("Statistics")
struct StatisticsTests {
    @Test("percentiles interpolate between closest ranks as quantile_over_time does")
    func quantiles() throws {
        // Values 1..10: rank of p95 = 0.95 × 9 = 8.55 → 9 + 0.55 × (10 − 9) = 9.55, by hand.
        let s = try #require(Summary(of: (1...10).map(Double.init), expected: 10))
        #expect(s.mean == 5.5)
        #expect(s.p50 == 5.5)
        #expect(abs(s.p95 - 9.55) < 1e-12)
        #expect(abs(s.p90 - 9.1) < 1e-12)
        #expect(abs(s.p99 - 9.91) < 1e-12)
        #expect(s.min == 1 && s.max == 10)
        #expect(s.coverage == 1)
    }

    @Test("NaN is no data, and no data is not zero")
    func missing() throws {
        let s = try #require(Summary(of: [2, .nan, 4, .nan], expected: 4))
        #expect(s.samples == 2)
        #expect(s.coverage == 0.5)
        #expect(s.mean == 3)
        #expect(Summary(of: [Double.nan, .nan], expected: 2) == nil)
    }
}

@Suite("Build timeline")
struct BuildTimelineTests {
    @Test("an upgrade splits the window and leaves the settle period out")
    func upgrade() {
        // 10 points at 1-minute steps; 4.6.1 for 0...3, 4.6.8 from 4 on, settle 3m → 4,5,6 left out.
        let grid = TimeGrid(start: 0, step: 60_000, count: 10)
        let versions: [Set<String>] = (0..<10).map { $0 < 4 ? ["4.6.1"] : ["4.6.8"] }
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(3))
        #expect(t.segments.map(\.version) == ["4.6.1", "4.6.8"])
        #expect(t.segments[0].first == 0 && t.segments[0].last == 3)
        #expect(t.segments[1].first == 7 && t.segments[1].last == 9)
        #expect(t.segments[1].leftOut.settling == 3)
        #expect(t.segments[0].includedCount == 4 && t.segments[1].includedCount == 3)
    }

    @Test("an upgrade just before the window still leaves its settle period out")
    func upgradeBeforeWindow() {
        // The window is 0...5 min at 1-minute steps; 3 lead steps before it. 4.6.8 replaces 4.6.1
        // at −1 min, settle 3 min → timestamps −1, 0 and 1 min settle: 0 and 1 are left out.
        let grid = TimeGrid(start: 0, step: 60_000, count: 6)
        let versions: [Set<String>] = [["4.6.1"], ["4.6.1"], ["4.6.8"]] + [Set<String>](repeating: ["4.6.8"], count: 6)
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(3), lead: 3)
        #expect(t.segments.map(\.version) == ["4.6.8"])
        #expect(t.segments[0].first == 2 && t.segments[0].last == 5)
        #expect(t.segments[0].leftOut.settling == 2)
        // Without the look-back the change would be invisible and nothing left out.
        let blind = BuildTimeline(grid: grid, versions: Array(versions.dropFirst(3)), settle: .minutes(3))
        #expect(blind.segments[0].first == 0)
    }

    @Test("while cluster_version says updating the timestamps are upgrading; the settle period runs from its end")
    func upgrading() {
        // 12 points at 1-minute steps. completed 4.6.1 for 0...2; updating 3...6 (completed still
        // 4.6.1); completed 4.6.8 from 7 on. Settle 3 min from 7: 7, 8, 9 settle; 10, 11 count.
        let grid = TimeGrid(start: 0, step: 60_000, count: 12)
        let observations: [BuildTimeline.Observation] = (0..<12).map { i in
            .init(versions: [i < 7 ? "4.6.1" : "4.6.8"], upgrading: (3...6).contains(i))
        }
        let t = BuildTimeline(grid: grid, observations: observations, settle: .minutes(3))
        #expect(t.segments.map(\.version) == ["4.6.1", "4.6.8"])
        #expect(t.segments[0].first == 0 && t.segments[0].last == 2)
        #expect(t.segments[1].first == 10 && t.segments[1].last == 11)
        // The upgrade's timestamps go to the build that follows it, as settling does.
        #expect(t.segments[1].leftOut == LeftOutCounts(settling: 3, upgrading: 4))
        #expect(t.segments[0].leftOut == LeftOutCounts())
    }

    @Test("an upgrade that ends in the look-back still settles in the window; one still running at the end leaves the end out")
    func upgradingAtTheEdges() {
        // Look-back of 4 steps: updating at −4…−3, completed 4.6.8 from −2. Settle 3 min from −2:
        // −2, −1, 0 settle; the window's 0 is left out, 1…5 count.
        let grid = TimeGrid(start: 0, step: 60_000, count: 6)
        var observations: [BuildTimeline.Observation] = [
            .init(versions: ["4.6.1"], upgrading: true), .init(versions: ["4.6.1"], upgrading: true),
        ]
        observations += (0..<8).map { _ in .init(versions: ["4.6.8"]) }
        let t = BuildTimeline(grid: grid, observations: observations, settle: .minutes(3), lead: 4)
        #expect(t.segments.map(\.version) == ["4.6.8"])
        #expect(t.segments[0].first == 1 && t.segments[0].last == 5)
        #expect(t.segments[0].leftOut.settling == 1)
        // An upgrade that starts at 4 and is still running at the window's end: 4 and 5 are
        // upgrading and, with no later segment, count against the one before.
        let running: [BuildTimeline.Observation] = (0..<6).map { .init(versions: ["4.6.1"], upgrading: $0 >= 4) }
        let r = BuildTimeline(grid: grid, observations: running, settle: .minutes(3))
        #expect(r.segments.map(\.version) == ["4.6.1"])
        #expect(r.segments[0].last == 3)
        #expect(r.segments[0].leftOut.upgrading == 2)
        // updating with no completed version at all (the first install still running): left out
        // as upgrading, not as missing.
        let installing: [BuildTimeline.Observation] = (0..<6).map { .init(versions: $0 < 3 ? [] : ["4.7.0"], upgrading: $0 < 3) }
        let i = BuildTimeline(grid: grid, observations: installing, settle: .minutes(2))
        #expect(i.segments.first?.first == 5)
        #expect(i.segments.first?.leftOut == LeftOutCounts(settling: 2, upgrading: 3))
    }

    @Test("no version and two versions are left out and counted")
    func gaps() {
        let grid = TimeGrid(start: 0, step: 1000, count: 6)
        let versions: [Set<String>] = [["a"], [], ["a", "b"], ["a"], ["a"], []]
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(15))
        #expect(t.segments.count == 1)
        #expect(t.segments[0].first == 0 && t.segments[0].last == 4)
        #expect(t.segments[0].included == [true, false, false, true, true])
        #expect(t.segments[0].leftOut == LeftOutCounts(noVersion: 2, multipleVersions: 1))
    }
}
