import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// The seed's pipeline with the real servers, in real time: two clusters' exporters, platform
/// Prometheus servers scraping them every second, federating Prometheus servers running the job
/// `fedreport federation --format prometheus` printed and remote-writing into a hub; one cluster
/// upgraded while it runs; fedreport collects from the hub.
@Suite("The seed's pipeline, live", .serialized, .enabled(if: TestBed.shouldRun))
struct LivePipelineTests {
    static let steady = LiveBuild.steady
    static let upgraded = LiveBuild.upgraded

    @Test("collect from the hub gives each build the exporter's figures; stamped labels and the upgrade are handled")
    func pipeline() async throws {
        let folder = try temporaryFolder("live")
        let a = try LiveExporter(builds: [Self.steady], node: "live-a-master-0")
        let upgradeAt = Date().addingTimeInterval(45)
        let b = try LiveExporter(builds: [Self.steady, Self.upgraded], node: "live-b-master-0", upgradeAt: upgradeAt, updatingFor: 14)
        // Samples reach the hub every 2 s (the federating interval): the collect settings follow.
        let settings = """
            collect:
              step: 2s
              rate_window: 10s
              scrape_interval: 2s
              settle: 10s
            """
        let config = try writeConfig(in: try temporaryFolder("live-config"), url: "http://127.0.0.1:9", extra: settings)
        let pipeline = try LivePipeline(folder: folder, clusters: [("live-a", a), ("live-b", b)]) { name, writeURL in
            let r = try runFedreport([
                "federation", "--config", config, "--cluster", name, "--remote-write-url", writeURL, "--format", "prometheus",
            ])
            guard r.status == 0 else {
                throw NSError(domain: "federation", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr])
            }
            return r.stdout
        }
        defer { pipeline.stop() }
        // Wait for the data, not for a time: until the hub holds 30 s of live-b's new build
        // after its updating window and settle period, and live-a up to then (a timeout only
        // guards against a pipeline that never delivers).
        let started = a.start
        let needed = upgradeAt.addingTimeInterval(14 + 10 + 30)
        let deadline = Date().addingTimeInterval(300)
        func delivered() throws -> Bool {
            let t = Int64(Date().timeIntervalSince1970 * 1000)
            let newest =
                try promScalar(pipeline.hub.url, #"min(max by (cluster) (timestamp(cluster_version{type="completed"})))"#, at: t) ?? 0
            let clusters = try promScalar(pipeline.hub.url, #"count(count by (cluster) (cluster_version{type="completed"}))"#, at: t) ?? 0
            return clusters == 2 && newest >= needed.timeIntervalSince1970
        }
        while try !delivered() {
            #expect(Date() < deadline, "the hub has not received the data by \(needed)")
            if Date() >= deadline { return }
            try await Task.sleep(for: .seconds(1))
        }
        let end = Int64(needed.timeIntervalSince1970)
        let start = Int64(started.timeIntervalSince1970) + 16
        let hubConfig = try writeConfig(in: try temporaryFolder("live-collect"), url: pipeline.hub.url, extra: settings)
        let r = try runFedreport(["collect", "--config", hubConfig, "--start", "\(start)", "--end", "\(end)"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let store = try SnapshotStore(
            path: ((hubConfig as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fedreport.sqlite"), readOnly: true
        )
        let snapshots = try store.snapshots()
        #expect(Set(snapshots.map { "\($0.cluster) \($0.build)" }) == ["live-a 4.14.3", "live-b 4.14.3", "live-b 4.14.5"], "\(r.stderr)")
        let map = try ComponentMap.load(path: "\(repositoryRoot)/queries/components/ocp.yaml")
        for snapshot in snapshots {
            let build = snapshot.build == Self.steady.version ? Self.steady : Self.upgraded
            let series = try #require(try store.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id])
            // From the exporter's inputs: per component, its containers' rates and working sets;
            // the kubelet by its unit. Nothing the federator stamped reaches a component.
            var want: [String: (cpu: Double, memory: Double)] = ["kubelet": (build.kubelet.cores, build.kubelet.bytes)]
            for c in build.containers {
                let name = map.classify(LabelSet(["namespace": c.namespace, "pod": c.pod, "container": c.container])).name
                want[name, default: (0, 0)].cpu += c.cores
                want[name, default: (0, 0)].memory += c.bytes
            }
            #expect(Set(series.map(\.component.name)) == Set(want.keys), "\(snapshot.cluster) \(snapshot.build)")
            for s in series {
                let expected = try #require(want[s.component.name])
                let summary = try #require(Summary(of: s.values, expected: snapshot.includedTimestamps))
                let target = s.resource == .cpu ? expected.cpu : expected.memory
                #expect(
                    abs(summary.mean / target - 1) < 2e-3,
                    "\(snapshot.cluster) \(snapshot.build) \(s.component.name) \(s.resource) \(summary.mean) vs \(target)")
                #expect(summary.coverage > 0.9, "\(snapshot.cluster) \(s.component.name) coverage \(summary.coverage)")
            }
        }
        // The same figure asked of the platform Prometheus, the cluster's own: live-a's etcd CPU
        // over the snapshot's window, and its memory.
        let steadyA = try #require(snapshots.first { $0.cluster == "live-a" })
        let seriesA = try #require(try store.componentSeries(snapshotIDs: [steadyA.id])[steadyA.id])
        let platformA = try #require(pipeline.clusters.first { $0.name == "live-a" }).platform
        let span = (steadyA.end - steadyA.start) / 1000
        for (resource, promql) in [
            (Resource.cpu, #"sum(rate(container_cpu_usage_seconds_total{namespace="openshift-etcd", image!="", container!="POD"}[10s]))"#),
            (Resource.memory, #"sum(container_memory_working_set_bytes{namespace="openshift-etcd", image!="", container!="POD"})"#),
        ] {
            let platform = try #require(try promScalar(platformA.url, "avg_over_time((\(promql))[\(span)s:2s])", at: steadyA.end))
            let etcd = try #require(seriesA.first { $0.component.name == "etcd" && $0.resource == resource })
            let mean = try #require(Summary(of: etcd.values, expected: steadyA.includedTimestamps)).mean
            #expect(abs(mean / platform - 1) < 2e-3, "etcd \(resource): \(mean) vs the platform's \(platform)")
        }
        // The upgrade: 4.14.3 ends before it, 4.14.5 starts after updating and the settle period.
        let before = try #require(snapshots.first { $0.cluster == "live-b" && $0.build == "4.14.3" })
        let after = try #require(snapshots.first { $0.cluster == "live-b" && $0.build == "4.14.5" })
        let upgradeMs = Int64(upgradeAt.timeIntervalSince1970 * 1000)
        // The last sample before the upgrade counts for one scrape interval (2 s) after it.
        #expect(before.end < upgradeMs + 2_000)
        #expect(after.start >= upgradeMs + 14_000 + 10_000 - 2_000)
        #expect(after.leftOut.upgrading > 0 && after.leftOut.settling > 0)
        // The hub holds the federator's stamped labels, as a real one would, asked of it
        // directly: the kubelet's cgroup in openshift-monitoring, pod cgroups as container
        // "prometheus". The figures above did not take them in.
        for selector in [
            #"container_memory_working_set_bytes{cluster="live-a", id="/system.slice/kubelet.service", namespace="openshift-monitoring"}"#,
            #"container_memory_working_set_bytes{cluster="live-a", container="prometheus"}"#,
        ] {
            let stamped = try #require(try promScalar(pipeline.hub.url, "count(\(selector))", at: end * 1000), "\(selector)")
            #expect(stamped >= 1)
        }
    }
}
