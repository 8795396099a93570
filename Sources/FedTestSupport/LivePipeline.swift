import FedCore
import Foundation
import Yams

/// The seed's architecture on loopback, in real time: per experiment cluster a live exporter, a
/// "platform" Prometheus that scrapes it every second, and a "federating" Prometheus that scrapes
/// the platform's `/federate` with the job `fedreport federation --format prometheus` printed and
/// remote-writes to a hub Prometheus started with `--web.enable-remote-write-receiver`.
///
/// The federating job is taken as printed, then pointed at the platform server: plain HTTP on
/// loopback instead of the in-cluster service's TLS and token, every `federateEvery` seconds, and
/// with the target labels a ServiceMonitor adds (`namespace`, `pod`, `container`, `service`,
/// `endpoint`), so that `honor_labels: true` stamps them where series lack them, as on a cluster.
package final class LivePipeline: @unchecked Sendable {
    package struct Cluster: Sendable {
        package var name: String
        package var exporter: LiveExporter
        package var platform: PrometheusServer
        package var federator: PrometheusServer
    }

    package let hub: PrometheusServer
    package private(set) var clusters: [Cluster] = []
    package let federateEvery: Int

    /// Starts the hub, then each cluster. `federation(name, writeURL)` returns the YAML that
    /// `fedreport federation --cluster name --remote-write-url writeURL --format prometheus` prints.
    package init(
        folder: String, clusters specs: [(name: String, exporter: LiveExporter)], federateEvery: Int = 2,
        federation: (String, String) throws -> String
    ) throws {
        self.federateEvery = federateEvery
        hub = try PrometheusServer(
            config: "global:\n  scrape_interval: 15s\nscrape_configs: []\n", workDirectory: "\(folder)/hub",
            flags: ["--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1d"])
        for spec in specs {
            let platform = try PrometheusServer(
                config: """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: kubelet
                        metrics_path: /metrics
                        static_configs:
                          - targets: ["127.0.0.1:\(spec.exporter.port)"]
                            labels: {metrics_path: /metrics/cadvisor}
                    """, workDirectory: "\(folder)/\(spec.name)-platform", flags: ["--storage.tsdb.retention.time=1d"])
            let printed = try federation(spec.name, "\(hub.url)/api/v1/write")
            let config = try Self.pointed(printed, at: "127.0.0.1:\(platform.port)", every: federateEvery)
            let federator = try PrometheusServer(
                config: config, workDirectory: "\(folder)/\(spec.name)-federate", flags: ["--storage.tsdb.retention.time=1d"])
            clusters.append(Cluster(name: spec.name, exporter: spec.exporter, platform: platform, federator: federator))
        }
    }

    deinit { stop() }

    package func stop() {
        for c in clusters {
            c.federator.stop()
            c.platform.stop()
            c.exporter.stop()
        }
        hub.stop()
    }

    /// The printed federating configuration, pointed at a loopback platform server.
    static func pointed(_ printed: String, at target: String, every seconds: Int) throws -> String {
        guard var root = try Yams.load(yaml: printed) as? [String: Any], var jobs = root["scrape_configs"] as? [[String: Any]],
            !jobs.isEmpty
        else {
            throw TestBedError.cannotWrite(path: "federation job", reason: "fedreport federation printed no scrape_configs")
        }
        var global = root["global"] as? [String: Any] ?? [:]
        global["scrape_interval"] = "\(seconds)s"
        root["global"] = global
        var job = jobs[0]
        job["scheme"] = "http"
        job["authorization"] = nil
        job["tls_config"] = nil
        job["scrape_interval"] = "\(seconds)s"
        job["static_configs"] = [
            [
                "targets": [target],
                // What the Prometheus Operator's ServiceMonitor adds to the federating target.
                "labels": [
                    "namespace": "openshift-monitoring", "pod": "prometheus-k8s-0", "container": "prometheus",
                    "service": "prometheus-k8s", "endpoint": "web",
                ],
            ]
        ]
        jobs[0] = job
        root["scrape_configs"] = jobs
        if var writes = root["remote_write"] as? [[String: Any]], !writes.isEmpty {
            writes[0]["queue_config"] = ["batch_send_deadline": "1s", "min_backoff": "100ms", "max_backoff": "1s"]
            root["remote_write"] = writes
        }
        return try Yams.dump(object: root)
    }
}
