import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// The hub of the seed's own pipeline: only `pod:container_cpu_usage:sum` and `kube_pod_labels`,
/// the cluster in `ocp_cluster` under the literal name its relabelling wrote, no memory and no
/// `cluster_version`.
enum SeedHubScenario {
    static let end = Scenarios.fixedEnd
    static let start = end - 3 * 3_600_000
    static let cluster = "v4.5.0-fake-version"
    /// A hub between two releases: it carries the container CPU rule under its 4.6 name and
    /// its later one, the memory rule and the pod rule, all for the same containers.
    static let rulesCluster = "rules-ocp-0"

    static let scenario: Scenario = {
        var seed = Scenarios.ocp(name: cluster, builds: [("4.6.16", start)], maxPods: 16)
        seed.seedRecordingRulesOnly = true
        var rules = Scenarios.ocp(name: rulesCluster, builds: [("4.6.16", start)], maxPods: 16)
        rules.seedRecordingRulesOnly = true
        rules.containerRules = [
            "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate",
            "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
            "node_namespace_pod_container:container_memory_working_set_bytes",
        ]
        return Scenario(dataStart: start, dataEnd: end, clusters: [seed, rules])
    }()
}

@Suite("The seed's hub: recording rules only", .serialized, .enabled(if: TestBed.shouldRun))
struct SeedHubTests {
    let s = SeedHubScenario.scenario

    /// Collects `cluster` with the recording-rules query set, its cluster in `ocp_cluster` and its
    /// build pinned (the hub has no `cluster_version`); the configuration and the store.
    func collect(_ cluster: String) async throws -> (config: String, store: SnapshotStore) {
        let server = try await TestBed.prometheus(for: s, name: "seed-hub")
        let folder = try temporaryFolder("seed-\(cluster)")
        let config = try writeConfig(
            in: folder, url: server.url,
            extra: """
                collect:
                  cluster_label: ocp_cluster
                queries: recording-rules
                clusters:
                  - {name: \(cluster), distribution: ocp, version: 4.6.16}
                """)
        let w = s.collectableWindow
        let r = try runFedreport(["collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)"])
        #expect(r.status == 0, "\(r.stderr)")
        return (config, try SnapshotStore(path: "\(folder)/fedreport.sqlite", readOnly: true))
    }

    @Test("check reads the hub's shape: the label clusters are named by, the rules there, what is missing and the match[] to get it")
    func checkNamesTheShape() async throws {
        let server = try await TestBed.prometheus(for: s, name: "seed-hub")
        let folder = try temporaryFolder("seed-check")
        let config = try writeConfig(in: folder, url: server.url)
        let r = try runFedreport(["check", "--config", config, "--end", "\(SeedHubScenario.end / 1000)", "--window", "2h"])
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("Set collect.cluster_label: ocp_cluster"), "\(r.stdout)")
        let rules = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("Rules:") })
        #expect(rules.contains("pod:container_cpu_usage:sum") && rules.contains(":sum_irate"), "\(rules)")
        let lacks = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("Hub lacks:") })
        for metric in ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "cluster_version", "kube_node_info"] {
            #expect(lacks.contains(metric), "\(lacks)")
        }
        #expect(r.stdout.contains("set queries: recording-rules"))
        // Every printed selector is valid PromQL that Prometheus itself accepts.
        let selectors = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  match[]=") }.map { String($0.dropFirst(10)) }
        #expect(selectors.contains(#"{__name__="container_memory_working_set_bytes"}"#))
        for selector in selectors {
            _ = try promGet(
                server.url, "/api/v1/series",
                ["match[]": selector, "start": "\(SeedHubScenario.start / 1000)", "end": "\(SeedHubScenario.end / 1000)"])
        }
        #expect(r.stderr.contains("names clusters with ocp_cluster"), "\(r.stderr)")
    }

    @Test("queries: recording-rules measures CPU per component from the pod rule; memory is not measured, never 0")
    func collectFromRules() async throws {
        let (config, store) = try await collect(SeedHubScenario.cluster)
        let snapshot = try #require(try store.snapshots().first)
        #expect(snapshot.noData == ["container-memory"])
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        #expect(!series.contains { $0.resource == .memory })
        // From the generator: a component's CPU is the sum over its pods of their containers' and
        // pause containers' rates (the pod rule is the pod's cgroup), pods classified by their
        // namespace and name.
        let cluster = try #require(s.cluster(named: SeedHubScenario.cluster))
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        var want: [String: Double] = [:]
        for pod in Set(cluster.workloads.map { $0.namespace + "/" + $0.pod }) {
            let containers = cluster.workloads.filter { $0.namespace + "/" + $0.pod == pod }
            let component = map.classify(LabelSet(["namespace": containers[0].namespace, "pod": containers[0].pod])).name
            want[component, default: 0] +=
                containers.compactMap { $0.usage["4.6.16"]?.cpuCores }.reduce(0, +) + ScenarioCluster.pauseCPUCores
        }
        let cpu = series.filter { $0.resource == .cpu }
        #expect(Set(cpu.map(\.component.name)) == Set(want.keys))
        for c in cpu {
            let expected = try #require(want[c.component.name])
            #expect(c.values.allSatisfy { abs($0 - expected) <= 1e-12 * expected }, "\(c.component.name)")
        }
        // The reports say memory was not measured rather than showing 0.
        let compare = try runFedreport(["compare", "4.6.16", "4.6.16", "--config", config, "--format", "json", "--output", "-"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])
        let totals = try #require(json["totals"] as? [[String: Any]])
        #expect(!totals.contains { $0["resource"] as? String == "memory" && ($0["b"] as? [String: Any])?["mean"] as? Double == 0 })
        let md = try runFedreport(["compare", "4.6.16", "4.6.16", "--config", config, "--format", "md", "--output", "-"])
        #expect(md.stdout.contains("Not measured: memory for A (4.6.16), B (4.6.16)"), "\(md.stdout.prefix(3000))")
        let dq = try #require(json["data_quality"] as? [String: Any])
        let notMeasured = try #require(dq["not_measured"] as? [[String: Any]])
        #expect(notMeasured.map { "\($0["side"] ?? "") \($0["resource"] ?? "")" } == ["a memory", "b memory"])
    }
}

extension SeedHubTests {
    @Test("container rules under two names count each container once, without pause, and the pod rule only where they are absent")
    func containerRulesOnce() async throws {
        let (_, store) = try await collect(SeedHubScenario.rulesCluster)
        let snapshot = try #require(try store.snapshots().first)
        let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
        let cluster = try #require(s.cluster(named: SeedHubScenario.rulesCluster))
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        let grid = snapshot.grid
        var checked = 0
        for component in series {
            let members = cluster.workloads.filter {
                map.classify(LabelSet(["namespace": $0.namespace, "pod": $0.pod, "container": $0.container])) == component.component
            }
            for i in 0..<grid.count where component.values[i].isFinite {
                // From the generator: the containers' own rates and samples, no pause.
                let t = grid.timestamp(at: i)
                let want =
                    component.resource == .cpu
                    ? members.compactMap { $0.usage["4.6.16"]?.cpuCores }.reduce(0, +)
                    : members.compactMap { cluster.memorySample(of: $0, at: t) }.reduce(0, +)
                #expect(
                    abs(component.values[i] - want) <= 1e-12 * max(want, 1), "\(component.component.name) \(component.resource) at \(i)")
                checked += 1
            }
        }
        #expect(checked > 100)
        #expect(Set(series.map(\.resource)) == [.cpu, .memory])
    }
}
