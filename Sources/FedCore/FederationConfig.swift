import Foundation
import Yams

/// What one experiment cluster must send to the hub for a query set and its component maps, as
/// a federating Prometheus needs it: `fedreport federation` prints it in three shapes.
package struct FederationPlan: Sendable {
    /// The value of the cluster label (`collect.cluster_label`) the cluster's series carry.
    package var cluster: String
    package var clusterLabel: String
    package var remoteWriteURL: String
    package var bearerTokenFile: String?
    /// The `match[]` selectors, valid PromQL.
    package var selectors: [String]
    /// Every metric name the selectors ask for, for allowlists that take names.
    package var metricNames: [String]

    package enum Format: String, Sendable, CaseIterable {
        /// The seed's shape: a Prometheus Operator ServiceMonitor on openshift-monitoring's
        /// `/federate`, the federating `Prometheus` with `remoteWrite`, and its RBAC.
        case `operator`
        /// A plain `prometheus.yml` for the same job.
        case prometheus
        /// Red Hat Advanced Cluster Management's custom metrics allowlist.
        case acm
    }

    /// The plan for `querySet` and `maps`: the selectors from ``FederationSelectors/federate(querySet:maps:)``.
    package init(
        cluster: String, clusterLabel: String, remoteWriteURL: String, bearerTokenFile: String?, querySet: QuerySet,
        maps: [ComponentMap]
    ) {
        self.cluster = cluster
        self.clusterLabel = clusterLabel
        self.remoteWriteURL = remoteWriteURL
        self.bearerTokenFile = bearerTokenFile
        selectors = FederationSelectors.federate(querySet: querySet, maps: maps)
        var names = FederationSelectors.metricNames(of: querySet)
        for n in FederationSelectors.collectSeries where !names.contains(n) { names.append(n) }
        metricNames = names
    }

    /// Where the federating Prometheus runs, and the names of what it is made of.
    static let namespace = "fedreport-federation"
    static let name = "fedreport-federate"
    /// openshift-monitoring's prometheus-k8s: its service, the port of its oauth-less
    /// kube-rbac-proxy in front of `/federate`, and the CA that signs its serving certificate.
    static let target = "prometheus-k8s.openshift-monitoring.svc:9091"
    static let serverName = "prometheus-k8s.openshift-monitoring.svc"
    static let serviceCA = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt"
    static let serviceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token"

    /// The YAML for `format`, one document or several separated by `---`.
    package func yaml(_ format: Format) throws -> String {
        switch format {
        case .operator: return try operatorDocuments().map(Self.serialize).joined(separator: "---\n")
        case .prometheus: return try Self.serialize(prometheusConfig())
        case .acm: return try acmNote + Self.serialize(acmConfigMap())
        }
    }

    static func serialize(_ node: Node) throws -> String { try Yams.serialize(node: node, width: -1, sortKeys: false) }

    // MARK: Building blocks

    static func map(_ pairs: [(String, Node)]) -> Node {
        Node.mapping(Node.Mapping(pairs.map { (Node($0.0), $0.1) }))
    }

    static func seq(_ items: [Node]) -> Node { Node.sequence(Node.Sequence(items)) }

    static func str(_ s: String) -> Node { Node(s, Tag(.str), .doubleQuoted) }

    static func plain(_ s: String) -> Node { Node(s) }

    var matchParams: Node { Self.map([("match[]", Self.seq(selectors.map(Self.str)))]) }

    // MARK: Operator

    func operatorDocuments() -> [Node] {
        let ns = Self.namespace
        let name = Self.name
        let metadata = { (n: String, namespaced: Bool) -> Node in
            Self.map(
                [("name", Self.plain(n))] + (namespaced ? [("namespace", Self.plain(ns))] : [])
                    + [("labels", Self.map([("app.kubernetes.io/part-of", Self.plain("fedreport"))]))])
        }
        let serviceAccount = Self.map([
            ("apiVersion", Self.plain("v1")), ("kind", Self.plain("ServiceAccount")), ("metadata", metadata(name, true)),
        ])
        // The federating Prometheus finds openshift-monitoring's endpoints and reads /federate
        // through kube-rbac-proxy, which asks for cluster-monitoring-view.
        let clusterRole = Self.map([
            ("apiVersion", Self.plain("rbac.authorization.k8s.io/v1")), ("kind", Self.plain("ClusterRole")),
            ("metadata", metadata(name, false)),
            (
                "rules",
                Self.seq([
                    Self.map([
                        ("apiGroups", Self.seq([Self.str("")])),
                        ("resources", Self.seq(["services", "endpoints", "pods"].map(Self.plain))),
                        ("verbs", Self.seq(["get", "list", "watch"].map(Self.plain))),
                    ]),
                    Self.map([
                        ("apiGroups", Self.seq([Self.plain("discovery.k8s.io")])),
                        ("resources", Self.seq([Self.plain("endpointslices")])),
                        ("verbs", Self.seq(["get", "list", "watch"].map(Self.plain))),
                    ]),
                ])
            ),
        ])
        func binding(_ bindingName: String, role: String) -> Node {
            Self.map([
                ("apiVersion", Self.plain("rbac.authorization.k8s.io/v1")), ("kind", Self.plain("ClusterRoleBinding")),
                ("metadata", metadata(bindingName, false)),
                (
                    "roleRef",
                    Self.map([
                        ("apiGroup", Self.plain("rbac.authorization.k8s.io")), ("kind", Self.plain("ClusterRole")),
                        ("name", Self.plain(role)),
                    ])
                ),
                (
                    "subjects",
                    Self.seq([
                        Self.map([("kind", Self.plain("ServiceAccount")), ("name", Self.plain(name)), ("namespace", Self.plain(ns))])
                    ])
                ),
            ])
        }
        let serviceMonitor = Self.map([
            ("apiVersion", Self.plain("monitoring.coreos.com/v1")), ("kind", Self.plain("ServiceMonitor")),
            (
                "metadata",
                Self.map([
                    ("name", Self.plain(name)), ("namespace", Self.plain(ns)),
                    ("labels", Self.map([("app.kubernetes.io/part-of", Self.plain("fedreport"))])),
                ])
            ),
            (
                "spec",
                Self.map([
                    ("namespaceSelector", Self.map([("matchNames", Self.seq([Self.plain("openshift-monitoring")]))])),
                    (
                        "selector",
                        Self.map([
                            (
                                "matchLabels",
                                Self.map([
                                    ("app.kubernetes.io/component", Self.plain("prometheus")),
                                    ("app.kubernetes.io/instance", Self.plain("k8s")),
                                    ("app.kubernetes.io/name", Self.plain("prometheus")),
                                ])
                            )
                        ])
                    ),
                    (
                        "endpoints",
                        Self.seq([
                            Self.map([
                                ("port", Self.plain("web")), ("path", Self.plain("/federate")), ("scheme", Self.plain("https")),
                                ("interval", Self.plain("30s")),
                                // Keep the cluster's own namespace, pod and container; without
                                // it they would be renamed exported_*.
                                ("honorLabels", Node("true", Tag(.bool))),
                                ("bearerTokenFile", Self.plain(Self.serviceAccountToken)),
                                (
                                    "tlsConfig",
                                    Self.map([("caFile", Self.plain(Self.serviceCA)), ("serverName", Self.plain(Self.serverName))])
                                ),
                                ("params", matchParams),
                            ])
                        ])
                    ),
                ])
            ),
        ])
        var remoteWrite: [(String, Node)] = [("url", Self.plain(remoteWriteURL))]
        if let bearerTokenFile { remoteWrite.append(("bearerTokenFile", Self.plain(bearerTokenFile))) }
        remoteWrite.append(("tlsConfig", Self.map([("insecureSkipVerify", Node("false", Tag(.bool)))])))
        let prometheus = Self.map([
            ("apiVersion", Self.plain("monitoring.coreos.com/v1")), ("kind", Self.plain("Prometheus")),
            ("metadata", metadata("federate", true)),
            (
                "spec",
                Self.map([
                    ("replicas", Node("1", Tag(.int))), ("serviceAccountName", Self.plain(name)),
                    (
                        "serviceMonitorSelector",
                        Self.map([("matchLabels", Self.map([("app.kubernetes.io/part-of", Self.plain("fedreport"))]))])
                    ),
                    ("serviceMonitorNamespaceSelector", Self.map([])),
                    ("externalLabels", Self.map([(clusterLabel, Self.str(cluster))])),
                    ("remoteWrite", Self.seq([Self.map(remoteWrite)])),
                ])
            ),
        ])
        return [
            serviceAccount, clusterRole, binding(name, role: name), binding("\(name)-monitoring-view", role: "cluster-monitoring-view"),
            serviceMonitor, prometheus,
        ]
    }

    // MARK: prometheus.yml

    func prometheusConfig() -> Node {
        var remoteWrite: [(String, Node)] = [("url", Self.plain(remoteWriteURL))]
        if let bearerTokenFile { remoteWrite.append(("authorization", Self.map([("credentials_file", Self.plain(bearerTokenFile))]))) }
        return Self.map([
            (
                "global",
                Self.map([
                    ("scrape_interval", Self.plain("30s")), ("external_labels", Self.map([(clusterLabel, Self.str(cluster))])),
                ])
            ),
            (
                "scrape_configs",
                Self.seq([
                    Self.map([
                        ("job_name", Self.plain("fedreport-federate")), ("honor_labels", Node("true", Tag(.bool))),
                        ("metrics_path", Self.plain("/federate")), ("scheme", Self.plain("https")),
                        ("params", matchParams),
                        ("authorization", Self.map([("credentials_file", Self.plain(Self.serviceAccountToken))])),
                        ("tls_config", Self.map([("ca_file", Self.plain(Self.serviceCA)), ("server_name", Self.plain(Self.serverName))])),
                        ("static_configs", Self.seq([Self.map([("targets", Self.seq([Self.plain(Self.target)]))])])),
                    ])
                ])
            ),
            ("remote_write", Self.seq([Self.map(remoteWrite)])),
        ])
    }

    // MARK: ACM

    var acmNote: String {
        """
        # Red Hat Advanced Cluster Management observability: add these names to the metrics it
        # forwards. ACM adds `cluster` and `clusterID` to every series (set collect.cluster_label to
        # the one you name clusters by) and forwards every 300 s by default, so set
        # collect.scrape_interval: 5m and a collect.step of 5m or more. It cannot forward what
        # fedreport measures per host service (kubelet, CRI-O, Open vSwitch under /system.slice):
        # its collector drops those cgroups, so totals from an ACM hub are without host services,
        # and every report says so.

        """
    }

    func acmConfigMap() -> Node {
        let list = "names:\n" + metricNames.map { "  - \($0)\n" }.joined()
        return Self.map([
            ("apiVersion", Self.plain("v1")), ("kind", Self.plain("ConfigMap")),
            (
                "metadata",
                Self.map([
                    ("name", Self.plain("observability-metrics-custom-allowlist")),
                    ("namespace", Self.plain("open-cluster-management-observability")),
                ])
            ),
            ("data", Self.map([("metrics_list.yaml", Node(list, Tag(.str), .literal))])),
        ])
    }
}

extension FederationSelectors {
    /// The `match[]` selectors a federating Prometheus needs for `querySet` and `maps`: for each
    /// metric a query reads, the series of the namespaces the maps name (and every `openshift-…`
    /// and `kube-…` namespace, so that a namespace a new release adds still shows up under
    /// `other`) and of the host services they name by `id`; where some rule of a map names its
    /// series by neither, the whole metric. Then every series collect reads besides them.
    package static func federate(querySet: QuerySet, maps: [ComponentMap]) -> [String] {
        var namespaces: [String] = ["openshift-.*", "kube-.*"]
        var ids: [String] = []
        var narrowable = true
        for rule in maps.flatMap(\.rules) {
            let ns = rule.selector.matchers.first { $0.name == "namespace" && ($0.kind == .equal || $0.kind == .regex) }
            let id = rule.selector.matchers.first { $0.name == "id" && ($0.kind == .equal || $0.kind == .regex) }
            if let ns {
                // The alternatives a prefix already covers add nothing: a regex is anchored, so
                // an alternative that starts with `openshift-` only matches such names.
                let alternatives = ns.kind == .equal ? [regexQuote(ns.value)] : topLevelAlternatives(ns.value)
                for value in alternatives where !value.hasPrefix("openshift-") && !value.hasPrefix("kube-") {
                    if !namespaces.contains(value) { namespaces.append(value) }
                }
            } else if let id {
                let value = id.kind == .equal ? regexQuote(id.value) : id.value
                if !ids.contains(value) { ids.append(value) }
            } else {
                narrowable = false
            }
        }
        var out: [String] = []
        for name in metricNames(of: querySet) {
            if !narrowable || maps.isEmpty {
                out.append("{__name__=\(quotePromQL(name))}")
                continue
            }
            out.append("\(name){namespace=~\(quotePromQL(namespaces.joined(separator: "|")))}")
            if !ids.isEmpty { out.append("\(name){id=~\(quotePromQL(ids.joined(separator: "|")))}") }
        }
        for name in collectSeries where !out.contains(where: { $0.hasPrefix(name + "{") || $0 == "{__name__=\(quotePromQL(name))}" }) {
            out.append("{__name__=\(quotePromQL(name))}")
        }
        return out
    }

    /// The alternatives of a regular expression's outermost `|`, or the whole of it.
    static func topLevelAlternatives(_ regex: String) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        var escaped = false
        var inClass = false
        for ch in regex {
            if escaped {
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if inClass {
                if ch == "]" { inClass = false }
            } else if ch == "[" {
                inClass = true
            } else if ch == "(" {
                depth += 1
            } else if ch == ")" {
                depth -= 1
            } else if ch == "|" && depth == 0 {
                out.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        out.append(current)
        return out
    }

    /// `text` as a regular expression that matches exactly it.
    static func regexQuote(_ text: String) -> String {
        var out = ""
        for ch in text {
            if "\\.+*?()|[]{}^$".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
