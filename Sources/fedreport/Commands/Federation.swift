import ArgumentParser
import FedCollect
import FedCore
import FedRun
import Foundation

extension FederationPlan.Format: ExpressibleByArgument {}

extension Fedreport {
    struct Federation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what one experiment cluster must federate and remote-write to the hub.",
            discussion: """
                Writes YAML for the configured query set and component maps: the match[] selectors are \
                generated from the metrics the queries read (narrowed to the namespaces and host services \
                the map names, and every openshift-* and kube-* namespace), plus the series collect reads \
                besides them (cluster_version, the machine-config pools, kube_node_info). Formats: \
                operator (a ServiceMonitor on openshift-monitoring's /federate with honorLabels, the \
                federating Prometheus with remoteWrite and externalLabels, and its RBAC), prometheus (a \
                prometheus.yml for the same job), acm (Red Hat Advanced Cluster Management's custom \
                metrics allowlist).

                Examples:
                  fedreport federation --cluster edge-0 --remote-write-url https://thanos-receive.example.com/api/v1/receive
                  fedreport federation --cluster edge-0 --remote-write-url https://hub/api/v1/receive --format prometheus
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The value of the cluster label (collect.cluster_label) the cluster's series get.")
        var cluster: String

        @Option(help: "Where the hub receives remote writes (Thanos receive, or a Prometheus with its receiver on).")
        var remoteWriteURL: String

        @Option(help: "A file holding the bearer token remote writes carry.")
        var bearerTokenFile: String?

        @Option(help: "operator, prometheus or acm.")
        var format: FederationPlan.Format = .operator

        @Option(help: "The distribution whose component map narrows the selectors.")
        var distribution = "ocp"

        func validate() throws {
            guard let url = URL(string: remoteWriteURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError(
                    "--remote-write-url must be an http:// or https:// URL, e.g. https://thanos-receive.example.com/api/v1/receive.")
            }
            guard !cluster.isEmpty else { throw ValidationError("--cluster needs the cluster's name, e.g. --cluster edge-0.") }
        }

        func run() throws {
            try guarded {
                let context = try global.context()
                let configuration = context.configuration
                let resources = try context.resources()
                guard let map = resources.maps[distribution] else {
                    throw CollectError.missingMap(
                        distribution: distribution, looked: "the component maps (\(resources.maps.keys.sorted().joined(separator: ", ")))")
                }
                let plan = FederationPlan(
                    cluster: cluster, clusterLabel: configuration.collect.clusterLabel, remoteWriteURL: remoteWriteURL,
                    bearerTokenFile: bearerTokenFile,
                    querySet: QuerySet(queries: resources.querySet.queries(for: distribution), folder: resources.querySet.folder),
                    maps: [map])
                print(try plan.yaml(format), terminator: "")
                return .ok
            }
        }
    }
}
