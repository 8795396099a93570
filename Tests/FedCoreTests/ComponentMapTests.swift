import FedCore
import FedTestSupport
import Foundation
import Testing

private func shippedMap(_ distribution: String) throws -> ComponentMap {
    try ComponentMap.load(path: "\(repositoryRoot)/queries/components/\(distribution).yaml")
}

private func ref(_ name: String, _ category: FedCore.Category) -> ComponentRef {
    ComponentRef(name: name, category: category)
}

/// The distinct namespaces of real OpenShift 4.6 clusters (4.6.0 to 4.6.20 on AWS), copied from
/// /work/shared/data/ocp-4.6-pod-usage.tsv, column 5, which is the example database of
/// redhat-et/caliper (example/database.psql, Apache License 2.0). Only the names are copied.
private let ocp46Namespaces = [
    "openshift-apiserver",
    "openshift-apiserver-operator",
    "openshift-authentication",
    "openshift-authentication-operator",
    "openshift-cloud-credential-operator",
    "openshift-cluster-csi-drivers",
    "openshift-cluster-machine-approver",
    "openshift-cluster-node-tuning-operator",
    "openshift-cluster-samples-operator",
    "openshift-cluster-storage-operator",
    "openshift-cluster-version",
    "openshift-config-operator",
    "openshift-console",
    "openshift-console-operator",
    "openshift-controller-manager",
    "openshift-controller-manager-operator",
    "openshift-dns",
    "openshift-dns-operator",
    "openshift-etcd",
    "openshift-etcd-operator",
    "openshift-image-registry",
    "openshift-ingress",
    "openshift-ingress-operator",
    "openshift-insights",
    "openshift-kube-apiserver",
    "openshift-kube-apiserver-operator",
    "openshift-kube-controller-manager",
    "openshift-kube-controller-manager-operator",
    "openshift-kube-scheduler",
    "openshift-kube-scheduler-operator",
    "openshift-kube-storage-version-migrator",
    "openshift-kube-storage-version-migrator-operator",
    "openshift-machine-api",
    "openshift-machine-config-operator",
    "openshift-marketplace",
    "openshift-monitoring",
    "openshift-multus",
    "openshift-network-operator",
    "openshift-oauth-apiserver",
    "openshift-operator-lifecycle-manager",
    "openshift-sdn",
    "openshift-service-ca",
    "openshift-service-ca-operator",
]

/// One pod of each kind seen in the same data set (origin as above), with the component this
/// map is meant to give it, written by hand from the conventions in ocp.yaml.
private let ocp46Pods: [(namespace: String, pod: String, expected: ComponentRef)] = [
    ("openshift-apiserver", "apiserver-84d9c64cd7-65cfx", ref("openshift-apiserver", .controlPlane)),
    (
        "openshift-apiserver-operator", "openshift-apiserver-operator-7755cd8dcb-4k5br",
        ref("openshift-apiserver-operator", .operators)
    ),
    ("openshift-authentication", "oauth-openshift-7b68d4bbbf-m9vlg", ref("oauth", .controlPlane)),
    ("openshift-authentication-operator", "authentication-operator-75fd59fb6b-v7lxh", ref("authentication-operator", .operators)),
    (
        "openshift-cloud-credential-operator", "cloud-credential-operator-66f98654f7-6qqkt",
        ref("cloud-credential-operator", .operators)
    ),
    ("openshift-cloud-credential-operator", "pod-identity-webhook-6577f49f7c-5stbl", ref("pod-identity-webhook", .controlPlane)),
    ("openshift-cluster-csi-drivers", "aws-ebs-csi-driver-controller-696f45b5b4-zddjx", ref("csi-drivers", .storage)),
    ("openshift-cluster-csi-drivers", "aws-ebs-csi-driver-node-s7fhq", ref("csi-drivers", .storage)),
    ("openshift-cluster-csi-drivers", "aws-ebs-csi-driver-operator-9cc848c5f-t28lg", ref("cluster-storage-operator", .operators)),
    ("openshift-cluster-machine-approver", "machine-approver-fd55d58bb-mpcrr", ref("machine-api", .node)),
    (
        "openshift-cluster-node-tuning-operator", "cluster-node-tuning-operator-6665c8bbcd-pkl5s",
        ref("cluster-node-tuning-operator", .operators)
    ),
    ("openshift-cluster-node-tuning-operator", "tuned-k4ht7", ref("node-tuning", .node)),
    (
        "openshift-cluster-samples-operator", "cluster-samples-operator-54585fd949-lkh4s",
        ref("cluster-samples-operator", .operators)
    ),
    (
        "openshift-cluster-storage-operator", "cluster-storage-operator-7c67f8848b-m7gdw",
        ref("cluster-storage-operator", .operators)
    ),
    ("openshift-cluster-storage-operator", "csi-snapshot-controller-5bbd9df7fb-8jqld", ref("csi-snapshot-controller", .storage)),
    (
        "openshift-cluster-storage-operator", "csi-snapshot-controller-operator-7b87959c4b-qww5x",
        ref("cluster-storage-operator", .operators)
    ),
    ("openshift-cluster-version", "cluster-version-operator-68b7b8bb99-qg4gm", ref("cluster-version-operator", .operators)),
    ("openshift-config-operator", "openshift-config-operator-689b7cd589-v8zgf", ref("config-operator", .operators)),
    ("openshift-console", "console-6cb7c589dc-9m5pk", ref("console", .addOns)),
    ("openshift-console", "downloads-8568f4796b-ctgsz", ref("console", .addOns)),
    ("openshift-console-operator", "console-operator-8457d54b8b-mk2s6", ref("console-operator", .operators)),
    ("openshift-controller-manager", "controller-manager-c28hw", ref("openshift-controller-manager", .controlPlane)),
    (
        "openshift-controller-manager-operator", "openshift-controller-manager-operator-79c5979dbf-fkjgv",
        ref("openshift-controller-manager-operator", .operators)
    ),
    ("openshift-dns", "dns-default-ghd5j", ref("dns", .networking)),
    ("openshift-dns-operator", "dns-operator-787bbbb5d4-xjbcw", ref("dns-operator", .operators)),
    ("openshift-etcd", "etcd-ip-10-0-206-165.us-west-1.compute.internal", ref("etcd", .controlPlane)),
    ("openshift-etcd", "etcd-quorum-guard-78854fb7c6-vmn8l", ref("etcd", .controlPlane)),
    ("openshift-etcd-operator", "etcd-operator-bd6bf5b9d-xgw6f", ref("etcd-operator", .operators)),
    (
        "openshift-image-registry", "cluster-image-registry-operator-54dcc75db-2jjfz",
        ref("cluster-image-registry-operator", .operators)
    ),
    ("openshift-image-registry", "image-registry-79864c89b7-xtbkd", ref("image-registry", .addOns)),
    ("openshift-image-registry", "node-ca-kk2vw", ref("image-registry", .addOns)),
    ("openshift-ingress", "router-default-75db765d6c-2csfn", ref("ingress", .networking)),
    ("openshift-ingress-operator", "ingress-operator-58c6665f9d-k6h7h", ref("ingress-operator", .operators)),
    ("openshift-insights", "insights-operator-68f8ddcbb7-swcf5", ref("insights", .monitoring)),
    (
        "openshift-kube-apiserver", "kube-apiserver-ip-10-0-137-250.us-west-1.compute.internal",
        ref("kube-apiserver", .controlPlane)
    ),
    ("openshift-kube-apiserver-operator", "kube-apiserver-operator-59f484f9f5-vvqhx", ref("kube-apiserver-operator", .operators)),
    (
        "openshift-kube-controller-manager", "kube-controller-manager-ip-10-0-206-165.us-west-1.compute.internal",
        ref("kube-controller-manager", .controlPlane)
    ),
    (
        "openshift-kube-controller-manager-operator", "kube-controller-manager-operator-6d9799f994-mrt4q",
        ref("kube-controller-manager-operator", .operators)
    ),
    (
        "openshift-kube-scheduler", "openshift-kube-scheduler-ip-10-0-137-250.us-west-1.compute.internal",
        ref("kube-scheduler", .controlPlane)
    ),
    (
        "openshift-kube-scheduler-operator", "openshift-kube-scheduler-operator-844f677449-6hcbt",
        ref("kube-scheduler-operator", .operators)
    ),
    ("openshift-kube-storage-version-migrator", "migrator-5f77d585c7-8lfdg", ref("kube-storage-version-migrator", .controlPlane)),
    (
        "openshift-kube-storage-version-migrator-operator", "kube-storage-version-migrator-operator-8755c6d49-mlcvs",
        ref("kube-storage-version-migrator-operator", .operators)
    ),
    ("openshift-machine-api", "cluster-autoscaler-operator-5c6dbb5b4c-7hplm", ref("machine-api-operator", .operators)),
    ("openshift-machine-api", "machine-api-controllers-5d9d5866b7-6hjwp", ref("machine-api", .node)),
    ("openshift-machine-api", "machine-api-operator-66bdd9447d-dcqvd", ref("machine-api-operator", .operators)),
    ("openshift-machine-config-operator", "machine-config-controller-6b7c85f4cc-k7m9h", ref("machine-config", .node)),
    ("openshift-machine-config-operator", "machine-config-daemon-tt8g9", ref("machine-config", .node)),
    ("openshift-machine-config-operator", "machine-config-operator-5d65c4b556-964gg", ref("machine-config-operator", .operators)),
    ("openshift-machine-config-operator", "machine-config-server-d969l", ref("machine-config", .node)),
    ("openshift-marketplace", "certified-operators-jf6sw", ref("olm", .addOns)),
    ("openshift-marketplace", "community-operators-kmwns", ref("olm", .addOns)),
    ("openshift-marketplace", "marketplace-operator-7cf6bf6d95-pk285", ref("marketplace-operator", .operators)),
    ("openshift-marketplace", "redhat-marketplace-8vwtz", ref("olm", .addOns)),
    ("openshift-marketplace", "redhat-operators-89hht", ref("olm", .addOns)),
    ("openshift-monitoring", "alertmanager-main-0", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "cluster-monitoring-operator-595888fddd-jfjjc", ref("cluster-monitoring-operator", .operators)),
    ("openshift-monitoring", "grafana-65454464fd-jr4bp", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "kube-state-metrics-7cb89d65d4-6g6qh", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "node-exporter-tf9fb", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "openshift-state-metrics-57969c7f87-qqr2x", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "prometheus-adapter-799c4dc8b6-c947l", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "prometheus-k8s-0", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "prometheus-operator-5d9964cccc-5wpnq", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "telemeter-client-78b6f75cc-7nrzb", ref("monitoring", .monitoring)),
    ("openshift-monitoring", "thanos-querier-5dd6555dcf-k9kmc", ref("monitoring", .monitoring)),
    ("openshift-multus", "multus-45wfz", ref("multus", .networking)),
    ("openshift-multus", "multus-admission-controller-4sg9z", ref("multus", .networking)),
    ("openshift-multus", "network-metrics-daemon-fcshc", ref("multus", .networking)),
    ("openshift-network-operator", "network-operator-577c56f5b-vvcgr", ref("network-operator", .operators)),
    ("openshift-oauth-apiserver", "apiserver-b7c787447-hkvds", ref("oauth", .controlPlane)),
    ("openshift-operator-lifecycle-manager", "catalog-operator-7f4bdd599b-ctqtq", ref("olm", .addOns)),
    ("openshift-operator-lifecycle-manager", "olm-operator-6db69c88c4-lsw8s", ref("olm", .addOns)),
    ("openshift-operator-lifecycle-manager", "packageserver-59cd7c59b-5lvd4", ref("olm", .addOns)),
    ("openshift-sdn", "ovs-zjcxj", ref("openvswitch", .networking)),
    ("openshift-sdn", "sdn-p2wdm", ref("sdn", .networking)),
    ("openshift-sdn", "sdn-controller-2mpbg", ref("sdn", .networking)),
    ("openshift-service-ca", "service-ca-9d4947fbb-986l4", ref("service-ca", .controlPlane)),
    ("openshift-service-ca-operator", "service-ca-operator-5d596d4b5b-p52wx", ref("service-ca-operator", .operators)),
]

/// Namespaces added after 4.6 (and platform-specific ones), with the component each should get.
private let laterNamespaces: [(namespace: String, expected: ComponentRef)] = [
    ("openshift-ovn-kubernetes", ref("ovn-kubernetes", .networking)),
    ("openshift-network-node-identity", ref("ovn-kubernetes", .networking)),
    ("openshift-route-controller-manager", ref("openshift-controller-manager", .controlPlane)),
    ("openshift-network-diagnostics", ref("network-diagnostics", .networking)),
    ("openshift-network-console", ref("console", .addOns)),
    ("openshift-console-user-settings", ref("console", .addOns)),
    ("openshift-cluster-olm-operator", ref("cluster-olm-operator", .operators)),
    ("openshift-catalogd", ref("olm", .addOns)),
    ("openshift-operator-controller", ref("olm", .addOns)),
    ("openshift-cloud-controller-manager", ref("cloud-controller-manager", .controlPlane)),
    ("openshift-cloud-controller-manager-operator", ref("cluster-cloud-controller-manager-operator", .operators)),
    ("openshift-cloud-network-config-controller", ref("cloud-network-config-controller", .networking)),
    ("openshift-ingress-canary", ref("ingress", .networking)),
    ("openshift-user-workload-monitoring", ref("user-workload-monitoring", .monitoring)),
    ("openshift-host-network", ref("host-network", .networking)),
    ("openshift-kni-infra", ref("platform-infra", .networking)),
    ("openshift-ovirt-infra", ref("platform-infra", .networking)),
    ("openshift-vsphere-infra", ref("platform-infra", .networking)),
    ("openshift-nutanix-infra", ref("platform-infra", .networking)),
    ("openshift-openstack-infra", ref("platform-infra", .networking)),
    ("openshift-kube-proxy", ref("kube-proxy", .networking)),
    ("openshift-manila-csi-driver", ref("csi-drivers", .storage)),
    ("openshift-cluster-api", ref("machine-api", .node)),
    ("openshift-operators", ref("installed-operators", .addOns)),
    ("kube-system", ref("kube-system", .other)),
    ("default", ref("default", .other)),
]

@Suite("Component maps")
struct ComponentMapTests {
    // MARK: Shipped maps

    @Test(arguments: ["ocp", "k3s", "microshift"])
    func shippedMapLoads(distribution: String) throws {
        let map = try shippedMap(distribution)
        #expect(map.distribution == distribution)
        #expect(!map.rules.isEmpty)
        #expect(map.source.hasSuffix("queries/components/\(distribution).yaml"))
    }

    @Test func everyOpenShift46NamespaceHasAComponent() throws {
        let map = try shippedMap("ocp")
        #expect(ocp46Namespaces.count == 43)
        for namespace in ocp46Namespaces {
            let got = map.classify(LabelSet(["namespace": namespace, "pod": "x-1", "container": "c"]))
            #expect(got.name != "other", "namespace \(namespace) is not mapped")
            #expect(got.category != .other, "namespace \(namespace) is in category other")
        }
    }

    @Test func openShift46PodsLandInTheirComponents() throws {
        let map = try shippedMap("ocp")
        for p in ocp46Pods {
            let labels = LabelSet(["namespace": p.namespace, "pod": p.pod, "container": "main", "id": "/kubepods.slice/x"])
            #expect(map.classify(labels) == p.expected, "\(p.namespace)/\(p.pod)")
        }
    }

    @Test func laterOpenShiftNamespacesLandInTheirComponents() throws {
        let map = try shippedMap("ocp")
        for n in laterNamespaces {
            #expect(map.classify(LabelSet(["namespace": n.namespace, "pod": "some-pod-abcde"])) == n.expected, "\(n.namespace)")
        }
    }

    @Test func openShiftHandPicked() throws {
        let map = try shippedMap("ocp")
        #expect(
            map.classify(LabelSet(["namespace": "openshift-etcd", "pod": "etcd-master-0", "container": "etcd"]))
                == ref("etcd", .controlPlane))
        #expect(
            map.classify(
                LabelSet([
                    "namespace": "openshift-etcd-operator", "pod": "etcd-operator-5f9c-abcde", "container": "etcd-operator",
                ])) == ref("etcd-operator", .operators))
        #expect(map.classify(LabelSet(["id": "/system.slice/kubelet.service"])) == ref("kubelet", .node))
        #expect(map.classify(LabelSet(["id": "/system.slice/crio.service"])) == ref("crio", .node))
        #expect(map.classify(LabelSet(["id": "/system.slice/ovs-vswitchd.service"])) == ref("openvswitch", .networking))
        #expect(map.classify(LabelSet(["id": "/system.slice/ovsdb-server.service"])) == ref("openvswitch", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-ovn-kubernetes", "pod": "ovs-node-7xk2p"]))
                == ref("openvswitch", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-ovn-kubernetes", "pod": "ovnkube-node-7xk2p"]))
                == ref("ovn-kubernetes", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "konnectivity-agent-abcde"]))
                == ref("konnectivity", .controlPlane))
        // A storage operator in the csi-drivers namespace, and a driver whose name merely contains "operator".
        #expect(
            map.classify(
                LabelSet(["namespace": "openshift-cluster-csi-drivers", "pod": "gcp-pd-csi-driver-operator-6d4f-abcde"]))
                == ref("cluster-storage-operator", .operators))
        #expect(
            map.classify(
                LabelSet(["namespace": "openshift-cluster-csi-drivers", "pod": "gcp-pd-csi-driver-controller-6d4f-abcde"]))
                == ref("csi-drivers", .storage))
    }

    @Test func unknownThingsFallToOther() throws {
        let map = try shippedMap("ocp")
        // A namespace a future release might add: no openshift-.* catch-all.
        #expect(map.classify(LabelSet(["namespace": "openshift-foo", "pod": "foo-1"])) == .other)
        // Anchoring: a longer name that starts like a mapped namespace is not that namespace.
        #expect(map.classify(LabelSet(["namespace": "openshift-etcd-backup", "pod": "b-1"])) == .other)
        #expect(map.classify(LabelSet(["namespace": "my-openshift-etcd", "pod": "b-1"])) == .other)
        #expect(map.classify(LabelSet(["namespace": "openshift-logging", "pod": "collector-1"])) == .other)
        #expect(map.classify(LabelSet(["id": "/system.slice/chronyd.service"])) == .other)
        #expect(map.classify(LabelSet(["id": "/"])) == .other)
        #expect(map.classify(LabelSet(["id": "/kubepods.slice"])) == .other)
        #expect(map.classify(LabelSet([:])) == .other)
    }

    @Test func k3sMap() throws {
        let map = try shippedMap("k3s")
        #expect(map.classify(LabelSet(["id": "/system.slice/k3s.service"])) == ref("k3s", .controlPlane))
        #expect(map.classify(LabelSet(["id": "/system.slice/k3s-agent.service"])) == ref("k3s-agent", .node))
        #expect(map.classify(LabelSet(["id": "/system.slice/containerd.service"])) == ref("containerd", .node))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "coredns-77ccd57875-8xq2p", "container": "coredns"]))
                == ref("coredns", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "traefik-64f55bb67d-4vq9w"])) == ref("traefik", .networking)
        )
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "svclb-traefik-5d3c1a9e-kz2tb"]))
                == ref("svclb", .networking))
        #expect(map.classify(LabelSet(["namespace": "apps", "pod": "svclb-web-1a2b3c4d-xk2lp"])) == ref("svclb", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "metrics-server-648b5df564-b6c2x"]))
                == ref("metrics-server", .monitoring))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "local-path-provisioner-957fdf8bc-8mqzf"]))
                == ref("local-path-provisioner", .storage))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "helm-install-traefik-crd-n8v5k"]))
                == ref("helm-install", .addOns))
        #expect(map.classify(LabelSet(["namespace": "kube-system", "pod": "something-else-1"])) == .other)
        // An OpenShift unit means nothing on k3s.
        #expect(map.classify(LabelSet(["id": "/system.slice/kubelet.service"])) == .other)
    }

    @Test func microShiftMap() throws {
        let map = try shippedMap("microshift")
        #expect(map.classify(LabelSet(["id": "/system.slice/microshift.service"])) == ref("microshift", .controlPlane))
        #expect(map.classify(LabelSet(["id": "/system.slice/microshift-etcd.scope"])) == ref("microshift-etcd", .controlPlane))
        #expect(map.classify(LabelSet(["id": "/system.slice/microshift-etcd.service"])) == ref("microshift-etcd", .controlPlane))
        #expect(map.classify(LabelSet(["id": "/system.slice/crio.service"])) == ref("crio", .node))
        #expect(map.classify(LabelSet(["namespace": "openshift-dns", "pod": "dns-default-x2l4k"])) == ref("dns", .networking))
        #expect(map.classify(LabelSet(["namespace": "openshift-dns", "pod": "node-resolver-8kq2d"])) == ref("dns", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-ingress", "pod": "router-default-6c9f-2csfn"]))
                == ref("ingress", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-ovn-kubernetes", "pod": "ovnkube-master-8x7vq"]))
                == ref("ovn-kubernetes", .networking))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-service-ca", "pod": "service-ca-7bffb6f6bf-9pq4l"]))
                == ref("service-ca", .controlPlane))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-storage", "pod": "topolvm-node-4lp2x"])) == ref("topolvm", .storage))
        #expect(
            map.classify(LabelSet(["namespace": "kube-system", "pod": "csi-snapshot-controller-5d8d-abcde"]))
                == ref("csi-snapshot-controller", .storage))
        #expect(
            map.classify(LabelSet(["namespace": "openshift-operator-lifecycle-manager", "pod": "olm-operator-1"]))
                == ref("olm", .addOns))
        #expect(map.classify(LabelSet(["namespace": "openshift-etcd", "pod": "etcd-0"])) == .other)
    }

    /// A component that exists in two distributions must sit in the same category in both, or a
    /// category comparison would move it between columns.
    @Test func sharedComponentsKeepTheirCategoryAcrossDistributions() throws {
        let maps = try ["ocp", "k3s", "microshift"].map(shippedMap)
        var seen: [String: (FedCore.Category, String)] = [:]
        for map in maps {
            for rule in map.rules {
                if let (category, distribution) = seen[rule.name], distribution != map.distribution {
                    #expect(category == rule.category, "\(rule.name): \(distribution) vs \(map.distribution)")
                }
                if seen[rule.name] == nil { seen[rule.name] = (rule.category, map.distribution) }
            }
        }
        // The names shared on purpose are really shared.
        for name in [
            "crio", "dns", "ingress", "ovn-kubernetes", "service-ca", "openvswitch", "multus", "olm", "csi-snapshot-controller",
        ] {
            #expect(maps[0].rules.contains { $0.name == name } && maps[2].rules.contains { $0.name == name }, "\(name)")
        }
    }

    // MARK: Parsing component maps

    @Test func firstMatchWins() throws {
        let yaml = """
            distribution: test
            components:
              - {name: special, category: operators, match: '{namespace="ns", pod=~"special-.*"}'}
              - {name: whole, category: networking, match: '{namespace="ns"}'}
              - {name: never, category: storage, match: '{namespace="ns", pod=~"special-.*"}'}
            """
        let map = try ComponentMap.parse(yaml: yaml, source: "inline.yaml")
        #expect(map.rules.map(\.name) == ["special", "whole", "never"])
        #expect(map.classify(LabelSet(["namespace": "ns", "pod": "special-1"])) == ref("special", .operators))
        #expect(map.classify(LabelSet(["namespace": "ns", "pod": "plain-1"])) == ref("whole", .networking))
        #expect(map.classify(LabelSet(["namespace": "other-ns", "pod": "special-1"])) == .other)
        #expect(map.source == "inline.yaml")
    }

    @Test func aComponentMayHaveSeveralRules() throws {
        let yaml = """
            distribution: test
            components:
              - {name: ovs, category: networking, match: '{id="/system.slice/ovs-vswitchd.service"}'}
              - {name: ovs, category: networking, match: '{namespace="openshift-sdn", pod=~"ovs-.*"}'}
            """
        let map = try ComponentMap.parse(yaml: yaml, source: "inline.yaml")
        #expect(map.classify(LabelSet(["id": "/system.slice/ovs-vswitchd.service"])) == ref("ovs", .networking))
        #expect(map.classify(LabelSet(["namespace": "openshift-sdn", "pod": "ovs-abcde"])) == ref("ovs", .networking))
    }

    @Test func badCategoryNamesTheKey() throws {
        let yaml = """
            distribution: test
            components:
              - {name: a, category: node, match: '{namespace="a"}'}
              - {name: b, category: controlplane, match: '{namespace="b"}'}
            """
        let error = #expect(throws: ConfigurationError.self) { try ComponentMap.parse(yaml: yaml, source: "bad.yaml") }
        guard case .invalidValue(let path, let key, let value, let expected)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(path == "bad.yaml")
        #expect(key == "components[1].category")
        #expect(value == "controlplane")
        #expect(expected.contains("control-plane"))
        let message = error?.errorDescription ?? ""
        #expect(message.contains("components[1].category"))
        #expect(message.contains("bad.yaml"))
    }

    @Test func changingACategoryNamesTheKey() throws {
        let yaml = """
            distribution: test
            components:
              - {name: a, category: node, match: '{namespace="a"}'}
              - {name: a, category: storage, match: '{namespace="b"}'}
            """
        let error = #expect(throws: ConfigurationError.self) { try ComponentMap.parse(yaml: yaml, source: "bad.yaml") }
        guard case .invalidValue(_, let key, let value, let expected)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(key == "components[1].category")
        #expect(value == "storage")
        #expect(expected.contains("'node'"))
    }

    @Test func badMatcherNamesTheKey() throws {
        let yaml = """
            distribution: test
            components:
              - {name: a, category: node, match: '{namespace="a"}'}
              - {name: b, category: node, match: 'namespace="b"'}
            """
        let error = #expect(throws: ConfigurationError.self) { try ComponentMap.parse(yaml: yaml, source: "bad.yaml") }
        guard case .invalidValue(_, let key, let value, let expected)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(key == "components[1].match")
        #expect(value == "namespace=\"b\"")
        #expect(expected.contains("character 1"))
        #expect(error?.errorDescription?.contains("components[1].match") == true)
    }

    @Test func badRegexNamesTheKey() throws {
        let yaml = """
            distribution: test
            components:
              - {name: a, category: node, match: '{namespace=~"(a"}'}
            """
        let error = #expect(throws: ConfigurationError.self) { try ComponentMap.parse(yaml: yaml, source: "bad.yaml") }
        guard case .invalidValue(_, let key, _, _)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(key == "components[0].match")
    }

    @Test func unknownAndMissingKeys() throws {
        let unknown = """
            distribution: test
            components:
              - {name: a, category: node, matcher: '{namespace="a"}'}
            """
        #expect(
            throws: ConfigurationError.unknownKey(
                path: "u.yaml", key: "components[0].matcher", known: ["name", "category", "match", "per_node"])
        ) {
            try ComponentMap.parse(yaml: unknown, source: "u.yaml")
        }
        // A component keeps one per_node in all its rules.
        let twoWays = """
            distribution: test
            components:
              - {name: a, category: node, match: '{namespace="a"}', per_node: true}
              - {name: a, category: node, match: '{namespace="b"}'}
            """
        #expect(throws: ConfigurationError.self) { try ComponentMap.parse(yaml: twoWays, source: "p.yaml") }
        let marked = try ComponentMap.parse(
            yaml: twoWays.replacingOccurrences(of: #"{namespace="b"}'}"#, with: #"{namespace="b"}', per_node: true}"#), source: "p.yaml")
        #expect(marked.perNodeComponents == ["a"])
        let missing = """
            distribution: test
            components:
              - {name: a, category: node}
            """
        #expect(throws: ConfigurationError.missingKey(path: "m.yaml", key: "components[0].match")) {
            try ComponentMap.parse(yaml: missing, source: "m.yaml")
        }
        #expect(throws: ConfigurationError.missingKey(path: "d.yaml", key: "distribution")) {
            try ComponentMap.parse(yaml: "components: []", source: "d.yaml")
        }
    }

    // MARK: Label selectors

    private func matches(_ selector: String, _ labels: [String: String]) throws -> Bool {
        try LabelSelector(parsing: selector).matches(LabelSet(labels))
    }

    @Test func operators() throws {
        #expect(try matches(#"{namespace="openshift-etcd"}"#, ["namespace": "openshift-etcd"]))
        #expect(try !matches(#"{namespace="openshift-etcd"}"#, ["namespace": "openshift-etcd-operator"]))
        #expect(try matches(#"{namespace!="openshift-etcd"}"#, ["namespace": "openshift-etcd-operator"]))
        #expect(try !matches(#"{namespace!="openshift-etcd"}"#, ["namespace": "openshift-etcd"]))
        #expect(try matches(#"{namespace=~"openshift-(etcd|dns)"}"#, ["namespace": "openshift-dns"]))
        #expect(try !matches(#"{namespace=~"openshift-(etcd|dns)"}"#, ["namespace": "openshift-ingress"]))
        #expect(try matches(#"{namespace!~"openshift-.*"}"#, ["namespace": "kube-system"]))
        #expect(try !matches(#"{namespace!~"openshift-.*"}"#, ["namespace": "openshift-dns"]))
        let selector = try LabelSelector(parsing: #"{a="1", b!="2", c=~"3", d!~"4"}"#)
        #expect(selector.matchers.map(\.kind) == [.equal, .notEqual, .regex, .notRegex])
        #expect(selector.matchers.map(\.name) == ["a", "b", "c", "d"])
        #expect(selector.matchers.map(\.value) == ["1", "2", "3", "4"])
    }

    @Test func allMatchersMustMatch() throws {
        let sel = #"{namespace="openshift-etcd", container!=""}"#
        #expect(try matches(sel, ["namespace": "openshift-etcd", "container": "etcd"]))
        #expect(try !matches(sel, ["namespace": "openshift-etcd"]))
        #expect(try !matches(sel, ["namespace": "openshift-dns", "container": "dns"]))
    }

    @Test func regexIsFullyAnchored() throws {
        #expect(try !matches(#"{namespace=~"openshift-etcd"}"#, ["namespace": "openshift-etcd-operator"]))
        #expect(try !matches(#"{namespace=~"openshift-etcd"}"#, ["namespace": "my-openshift-etcd"]))
        #expect(try matches(#"{namespace=~"openshift-etcd"}"#, ["namespace": "openshift-etcd"]))
        // Alternation is anchored as a whole, not only its first and last branch.
        #expect(try !matches(#"{namespace=~"openshift-etcd|openshift-dns"}"#, ["namespace": "openshift-etcd-operator"]))
        #expect(try !matches(#"{namespace=~"openshift-etcd|openshift-dns"}"#, ["namespace": "x-openshift-dns"]))
        // !~ is the exact negation, anchored the same way.
        #expect(try matches(#"{namespace!~"openshift-etcd"}"#, ["namespace": "openshift-etcd-operator"]))
    }

    /// PromQL anchors with RE2's `^(?:…)$`, where `$` is the end of the text. ICU's `$` also
    /// matches before a final line terminator, so LabelMatcher.swift anchors with `\A…\z`.
    @Test func regexAnchorIsTheEndOfTheText() throws {
        let matchesWithNewline = try matches(#"{namespace=~"openshift-etcd"}"#, ["namespace": "openshift-etcd\n"])
        #expect(!matchesWithNewline)
        // The equality matcher has no such gap.
        #expect(try !matches(#"{namespace="openshift-etcd"}"#, ["namespace": "openshift-etcd\n"]))
    }

    @Test func missingLabelIsTheEmptyString() throws {
        #expect(try matches(#"{container=""}"#, [:]))
        #expect(try !matches(#"{container!=""}"#, ["namespace": "x"]))
        #expect(try matches(#"{container=~".*"}"#, [:]))
        #expect(try !matches(#"{container=~".+"}"#, [:]))
        #expect(try matches(#"{container!~".+"}"#, [:]))
        #expect(try !matches(#"{namespace="x"}"#, [:]))
    }

    @Test func quotedValuesAndEscapes() throws {
        func value(_ text: String) throws -> String { try LabelSelector(parsing: text).matchers[0].value }
        #expect(try value(#"{a="say \"hi\""}"#) == #"say "hi""#)
        #expect(try value(#"{a="back\\slash"}"#) == #"back\slash"#)
        #expect(try value(#"{a="tab\there"}"#) == "tab\there")
        #expect(try value(#"{a="line\nbreak"}"#) == "line\nbreak")
        #expect(try value(#"{a='it\'s'}"#) == "it's")
        #expect(try value(#"{a='say "hi"'}"#) == #"say "hi""#)
        // Backticks are raw: no escapes.
        #expect(try value(#"{a=`raw\n`}"#) == #"raw\n"#)
        // A regex escape written as in PromQL ("\\." is the two characters \.) matches a dot only.
        #expect(try matches(#"{v=~"4\\.6"}"#, ["v": "4.6"]))
        #expect(try !matches(#"{v=~"4\\.6"}"#, ["v": "4x6"]))
        #expect(try value("{a=\"caf\u{e9}\"}") == "caf\u{e9}")
    }

    @Test func whitespaceAndTrailingComma() throws {
        let sel = try LabelSelector(parsing: " {\n  namespace = \"a\" ,\n  pod =~ \"b.*\" ,\n} ")
        #expect(sel.matchers.count == 2)
        #expect(sel.matches(LabelSet(["namespace": "a", "pod": "bc"])))
    }

    @Test func descriptionParsesBack() throws {
        let sel = try LabelSelector(parsing: #"{a="x\"y", b=~"c|d"}"#)
        #expect(sel.description == #"{a="x\"y", b=~"c|d"}"#)
        let again = try LabelSelector(parsing: sel.description)
        #expect(again.matchers.map(\.value) == [#"x"y"#, "c|d"])
    }

    @Test(arguments: [
        // (selector, offset of the problem, words of the problem)
        (#"namespace="x""#, 0, "expected '{'"),
        (#"{namespace~"x"}"#, 10, "expected =, !=, =~ or !~"),
        (#"{namespace="x""#, 14, "before the end"),
        (#"{namespace="x}"#, 14, "not closed"),
        (#"{}"#, 2, "at least one matcher"),
        (#"{a="b"} extra"#, 8, "unexpected text"),
        (#"{1a="b"}"#, 1, "expected a label name"),
        (#"{a=b}"#, 3, "expected a quoted value"),
        (#"{a="b" c="d"}"#, 7, "expected ',' or '}'"),
        (#"{a!"b"}"#, 2, "expected =, !=, =~ or !~"),
    ])
    func syntaxErrorsCarryTheirOffset(selector: String, offset: Int, problem: String) {
        let error = #expect(throws: LabelMatcherError.self) { try LabelSelector(parsing: selector) }
        guard case .syntax(let text, let at, let what)? = error else {
            Issue.record("expected a syntax error for \(selector), got \(String(describing: error))")
            return
        }
        #expect(text == selector)
        #expect(at == offset, "\(selector)")
        #expect(what.contains(problem), "\(selector): \(what)")
        #expect(error?.errorDescription?.contains("at character \(offset + 1)") == true)
    }

    @Test func badRegexIsReported() {
        #expect(throws: LabelMatcherError.badRegex(pattern: "(a")) { try LabelSelector(parsing: #"{a=~"(a"}"#) }
        #expect(throws: LabelMatcherError.badRegex(pattern: "[")) { try LabelSelector(parsing: #"{a!~"["}"#) }
    }
}
