import FedCore
import FedTestSupport
import Foundation
import Testing

/// The test bed against a real Prometheus: what the generator writes is what PromQL reads back.
/// Expected values come from the literal inputs below, worked out by hand.
@Suite("Test bed")
struct TestBedTests {
    /// 2026-10-31T00:00:00Z, a multiple of 30 s.
    static let start: TimestampMs = 1_793_404_800_000
    static let end: TimestampMs = start + 2 * 3_600_000
    static let upgrade: TimestampMs = start + 3_600_000
    static let gap: ClosedRange<TimestampMs> = (start + 70 * 60_000)...(start + 90 * 60_000)
    static let nanTime: TimestampMs = start + 100 * 60_000

    static let scenario: Scenario = {
        let usage = { (cpu: Double, mem: Double) in ScenarioUsage(cpuCores: cpu, memoryBytes: mem) }
        let x = ScenarioCluster(
            name: "x", distribution: .ocp, builds: [("4.6.1", start)],
            workloads: [
                ScenarioContainer(
                    namespace: "n", pod: "p", container: "c", image: "example/c:1", node: "node-a",
                    usage: ["4.6.1": usage(0.25, 100_000_000)], memoryAmplitude: 0.1),
                ScenarioContainer(
                    namespace: "n", pod: "p", container: "d", image: "example/d:1", node: "node-a",
                    usage: ["4.6.1": usage(0.5, 50_000_000)], memoryAmplitude: 0),
            ],
            hostServices: [ScenarioHostService(unit: "kubelet.service", node: "node-a", usage: ["4.6.1": usage(0.2, 150_000_000)])])
        var y = ScenarioCluster(
            name: "y", distribution: .ocp, builds: [("4.6.1", start), ("4.6.8", upgrade)],
            workloads: [
                ScenarioContainer(
                    namespace: "m", pod: "q", container: "both", image: "example/both:1", node: "node-b",
                    usage: ["4.6.1": usage(0.2, 10_000_000), "4.6.8": usage(0.4, 20_000_000)], memoryAmplitude: 0),
                ScenarioContainer(
                    namespace: "m", pod: "q", container: "old", image: "example/old:1", node: "node-b",
                    usage: ["4.6.1": usage(0.1, 5_000_000)]),
                ScenarioContainer(
                    namespace: "m", pod: "q", container: "new", image: "example/new:1", node: "node-b",
                    usage: ["4.6.8": usage(0.3, 7_000_000)]),
            ])
        y.haReplicas = true
        y.gaps = [gap]
        y.nanAt = [nanTime]
        y.versionDouble = [(start + 10 * 60_000)...(start + 20 * 60_000)]
        return Scenario(dataStart: start, dataEnd: end, clusters: [x, y, Scenarios.k3s(name: "k", version: "v1.26.5+k3s1", from: start)])
    }()

    static func server() async throws -> PrometheusServer {
        try await TestBed.prometheus(for: scenario, name: "testbed-tests")
    }

    // MARK: - Without Prometheus

    @Test("The OpenMetrics text has one TYPE line per family, NaN samples and ends with # EOF")
    func openMetricsShape() throws {
        let path = NSTemporaryDirectory() + "testbed-shape-\(UUID().uuidString).om"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try OpenMetricsGenerator.write(Self.scenario, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.last == "# EOF")
        #expect(lines.filter { $0 == "# TYPE container_cpu_usage_seconds counter" }.count == 1)
        #expect(lines.filter { $0 == "# TYPE container_memory_working_set_bytes gauge" }.count == 1)
        #expect(lines.filter { $0.hasPrefix("# TYPE cluster_version gauge") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("# TYPE kubernetes_build_info gauge") }.count == 1)
        // y's memory series at nanTime: containers both/old are gone or present by build; at
        // 100 min (build 4.6.8): both, new, POD, the pod total, burstable, kubepods and / (no host
        // services, so no system.slice): 7 series, times 2 replicas.
        let nanLines = lines.filter {
            $0.hasPrefix("container_memory_working_set_bytes{cluster=\"y\"") && $0.hasSuffix(" NaN \(Self.nanTime / 1000)")
        }
        #expect(nanLines.count == 14)
        // 241 scrapes in 2 h at 30 s; x: c, d, POD, pod total, burstable, kubepods, kubelet,
        // system.slice, / = 9 series per metric, each with 241 samples.
        let xCPU = lines.filter { $0.hasPrefix("container_cpu_usage_seconds_total{cluster=\"x\"") }
        #expect(xCPU.count == 9 * 241)
        #expect(summary.samples == lines.filter { !$0.hasPrefix("#") }.count)
    }

    @Test("OpenShift clusters built from the 4.6 figures run etcd as static pods on three masters")
    func ocpFromFigures() {
        let cluster = Scenarios.ocp(name: "z", builds: [("4.6.1", 0), ("4.6.8", 1000)])
        let etcdPods = Set(cluster.workloads.filter { $0.namespace == "openshift-etcd" && $0.container == "etcd" }.map(\.pod))
        #expect(etcdPods == ["etcd-z-master-0", "etcd-z-master-1", "etcd-z-master-2"])
        #expect(cluster.hostServices.filter { $0.unit == "kubelet.service" }.count == 6)
        #expect(cluster.workloads.allSatisfy { $0.usage["4.6.1"] != nil || $0.usage["4.6.8"] != nil })
    }

    // MARK: - Against Prometheus

    @Test("A memory sample read back equals the generator's value", .enabled(if: TestBed.shouldRun))
    func memoryRoundTrip() async throws {
        let server = try await Self.server()
        let t = Self.start + 3_600_000
        let c = try await instant(server, #"container_memory_working_set_bytes{cluster="x",namespace="n",pod="p",container="c"}"#, at: t)
        let expected = try #require(Self.scenario.memoryBytes(cluster: "x", namespace: "n", pod: "p", container: "c", at: t))
        #expect(c.count == 1)
        #expect(c.first?.value == expected)
        #expect(expected >= 90_000_000 && expected <= 110_000_000)
        let d = try await instant(server, #"container_memory_working_set_bytes{cluster="x",container="d"}"#, at: t)
        #expect(d.map(\.value) == [50_000_000])

        // A range query over the backfilled past: 21 scrapes, each its own value.
        let points = try await range(
            server, #"container_memory_working_set_bytes{cluster="x",namespace="n",pod="p",container="c"}"#,
            start: t, end: t + 600_000, step: 30)
        #expect(points.count == 21)
        for (time, value) in points {
            #expect(value == Self.scenario.memoryBytes(cluster: "x", namespace: "n", pod: "p", container: "c", at: time))
        }
        #expect(Set(points.map(\.1)).count > 1)
    }

    @Test("rate() of a container's counter is its CPU rate", .enabled(if: TestBed.shouldRun))
    func cpuRate() async throws {
        let server = try await Self.server()
        // On a scrape timestamp and between two.
        for t in [Self.start + 3_600_000, Self.start + 3_600_000 + 7_000] {
            let c = try await instant(server, #"rate(container_cpu_usage_seconds_total{cluster="x",container="c"}[5m])"#, at: t)
            #expect(c.count == 1)
            #expect(abs((c.first?.value ?? 0) - 0.25) <= 0.25 * 1e-9)
        }
        let both = try await instant(
            server, #"rate(container_cpu_usage_seconds_total{cluster="y",container="both",prometheus_replica="prometheus-k8s-0"}[5m])"#,
            at: Self.upgrade + 10 * 60_000)
        #expect(both.count == 1)
        #expect(abs((both.first?.value ?? 0) - 0.4) <= 0.4 * 1e-9)
    }

    @Test("Pod totals, cgroup roll-ups and host services count the same CPU again", .enabled(if: TestBed.shouldRun))
    func hierarchy() async throws {
        let server = try await Self.server()
        let t = Self.start + 3_600_000
        let perContainer = try await instant(
            server, #"sum(rate(container_cpu_usage_seconds_total{cluster="x",container!="",container!="POD"}[5m]))"#, at: t)
        let noContainer = try await instant(server, #"sum(rate(container_cpu_usage_seconds_total{cluster="x",container=""}[5m]))"#, at: t)
        // Containers: 0.25 + 0.5 = 0.75. Without a container label: pod total 0.75002 (with the
        // 0.00002-core pause container), burstable 0.75002, kubepods 0.75002, kubelet.service
        // 0.2, system.slice 0.2, / 0.95002: 3.60008.
        let containers = try #require(perContainer.first?.value)
        let rollups = try #require(noContainer.first?.value)
        #expect(abs(containers - 0.75) <= 1e-9)
        #expect(abs(rollups - 3.60008) <= 1e-9)
        #expect(rollups > containers)
    }

    @Test("HA replicas, gaps, NaN, upgrades and doubled versions show as configured", .enabled(if: TestBed.shouldRun))
    func faults() async throws {
        let server = try await Self.server()
        let before = Self.start + 30 * 60_000
        let after = Self.upgrade + 10 * 60_000
        let both = #"container_memory_working_set_bytes{cluster="y",container="both"}"#
        #expect(try await instant(server, both, at: before).map(\.value) == [10_000_000, 10_000_000])
        #expect(try await instant(server, #"container_memory_working_set_bytes{cluster="y",container="old"}"#, at: after).isEmpty)
        #expect(try await instant(server, #"container_memory_working_set_bytes{cluster="y",container="new"}"#, at: before).isEmpty)
        #expect(try await instant(server, #"container_memory_working_set_bytes{cluster="y",container="new"}"#, at: after).count == 2)
        // A 10-minute window inside the 20-minute gap holds no samples.
        #expect(try await instant(server, "count_over_time(\(both)[10m])", at: Self.gap.upperBound - 1000).isEmpty)
        let nan = try await instant(server, both, at: Self.nanTime)
        #expect(nan.count == 2 && nan.allSatisfy { $0.value.isNaN })
        let current = #"cluster_version{cluster="y",type="current",prometheus_replica="prometheus-k8s-0"}"#
        #expect(try await instant(server, current, at: after).map { $0.labels["version"] } == ["4.6.8"])
        let doubled = try await instant(server, current, at: Self.start + 15 * 60_000)
        #expect(Set(doubled.map { $0.labels["version"] }) == ["4.6.1", "4.6.8"])
        let k3s = try await instant(server, #"kubernetes_build_info{cluster="k"}"#, at: before)
        #expect(k3s.map { $0.labels["git_version"] } == ["v1.26.5+k3s1"])
    }

    @Test("nginx proxies with the right token and refuses others", .enabled(if: TestBed.shouldRunWithProxy))
    func proxy() async throws {
        let server = try await Self.server()
        let proxy = try NginxProxy(upstream: server.url, workDirectory: TestBed.folder)
        defer { proxy.stop() }
        let query = "/api/v1/query?query=up&time=\(Self.start / 1000)"
        let ok = try curl(proxy.url + query, caFile: proxy.caFile, token: proxy.token)
        #expect(ok.status == 200)
        #expect(ok.body.contains(#""status":"success""#))
        let wrong = try curl(proxy.url + query, caFile: proxy.caFile, token: "not-the-token")
        #expect(wrong.status == 401)
        #expect(wrong.body.contains("401 Unauthorized"))
        let none = try curl(proxy.url + query, caFile: proxy.caFile, token: nil)
        #expect(none.status == 401)
        let forbidden = try curl(proxy.url + query, caFile: proxy.caFile, token: proxy.forbiddenToken)
        #expect(forbidden.status == 403)
    }

    // MARK: - Helpers

    struct Sample {
        var labels: [String: String]
        var value: Double
    }

    /// An instant query at `t`, through curl.
    func instant(_ server: PrometheusServer, _ query: String, at t: TimestampMs) async throws -> [Sample] {
        var components = URLComponents(string: server.url + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: query), URLQueryItem(name: "time", value: "\(Double(t) / 1000)")]
        let url = components.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")
        let response = try curl(url, caFile: nil, token: nil)
        #expect(response.status == 200, "\(query): \(response.body)")
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let data = json?["data"] as? [String: Any]
        let result = data?["result"] as? [[String: Any]] ?? []
        return result.map { item in
            let value = item["value"] as? [Any]
            return Sample(
                labels: item["metric"] as? [String: String] ?? [:],
                value: Double(value?.last as? String ?? "") ?? -1)
        }
    }

    /// A range query from `start` to `end` every `step` seconds, for a query giving one series.
    func range(
        _ server: PrometheusServer, _ query: String, start: TimestampMs, end: TimestampMs, step: Int
    ) async throws
        -> [(TimestampMs, Double)]
    {
        var components = URLComponents(string: server.url + "/api/v1/query_range")!
        components.queryItems = [
            URLQueryItem(name: "query", value: query), URLQueryItem(name: "start", value: "\(start / 1000)"),
            URLQueryItem(name: "end", value: "\(end / 1000)"), URLQueryItem(name: "step", value: "\(step)"),
        ]
        let response = try curl(components.url!.absoluteString, caFile: nil, token: nil)
        #expect(response.status == 200, "\(query): \(response.body)")
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let result = (json?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        #expect(result.count == 1)
        let values = result.first?["values"] as? [[Any]] ?? []
        return values.map { pair in
            let seconds = (pair.first as? NSNumber)?.doubleValue ?? -1
            return (TimestampMs((seconds * 1000).rounded()), Double(pair.last as? String ?? "") ?? -1)
        }
    }

    /// GET `url` with curl; returns the status code and body.
    func curl(_ url: String, caFile: String?, token: String?) throws -> (status: Int, body: String) {
        var args = ["-s", "-o", "-", "-w", "\n%{http_code}"]
        if let caFile { args += ["--cacert", caFile] }
        if let token { args += ["-H", "Authorization: Bearer \(token)"] }
        let out = try Tools.run(Tools.require("curl", package: "curl"), args + [url])
        let parts = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(parts.last ?? "") ?? 0, parts.dropLast().joined(separator: "\n"))
    }
}
