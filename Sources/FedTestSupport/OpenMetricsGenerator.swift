import FedCore
import Foundation

/// What ``OpenMetricsGenerator/write(_:to:)`` wrote.
package struct GenerationSummary: Sendable, Hashable {
    package var series: Int
    package var samples: Int
    package var bytes: Int
}

/// Writes a ``Scenario`` as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`,
/// with the series hierarchy a real kubelet's cAdvisor endpoint exposes.
///
/// Per cluster and per pod: one series per container, one for the pause container
/// (`container="POD"`) and one pod total (no `container` label, `id` = the pod's cgroup, value =
/// its containers + pause). Per node: roll-ups without pod labels for
/// `/kubepods.slice/kubepods-burstable.slice`, `/kubepods.slice`, `/system.slice` and `/` (all
/// of the node, host services included), and one series per host service
/// (`id="/system.slice/<unit>"`). Every series carries `cluster`; labels whose value would be
/// empty are left out, as Prometheus drops them on scrape.
///
/// CPU counters start at `10⁴ × the series' highest base rate` and grow by the integral of the
/// rate: linearly with the rate of the current build, so that `rate()` inside one build returns
/// that rate exactly, plus, where a build has a ``CPUVariation``, the closed-form integral of its
/// swing and noise, so that `rate()` returns the mean of the varying rate over the samples'
/// span. Each series' samples are written in time order and each metric family is contiguous.
package enum OpenMetricsGenerator {
    /// Writes `scenario` to `path`, replacing the file.
    @discardableResult
    package static func write(_ scenario: Scenario, to path: String) throws -> GenerationSummary {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw TestBedError.cannotWrite(path: path, reason: "the file could not be created")
        }
        defer { try? handle.close() }
        var out = ByteWriter(handle: handle, path: path)
        let times = Array(scenario.scrapeTimestamps)
        let every = scenario.clusters.map { ClusterPlan(cluster: $0, scenario: scenario, times: times) }
        let seed = every.filter { $0.cluster.seedRecordingRulesOnly }
        let plans = every.filter { !$0.cluster.seedRecordingRulesOnly }

        out.append("# HELP container_cpu_usage_seconds Cumulative cpu time consumed in seconds.\n")
        out.append("# TYPE container_cpu_usage_seconds counter\n")
        for plan in plans {
            for s in plan.cgroups {
                try plan.forEachReplica(s.labels) { prefix, _ in
                    try out.writeCounter("container_cpu_usage_seconds_total", prefix, s, plan)
                }
            }
        }
        try out.flushIfFull()
        out.append("# HELP container_memory_working_set_bytes Current working set in bytes.\n")
        out.append("# TYPE container_memory_working_set_bytes gauge\n")
        for plan in plans {
            for s in plan.cgroups {
                try plan.forEachReplica(s.labels) { prefix, replica in
                    try out.writeMemory("container_memory_working_set_bytes", prefix, s, plan, replica: replica)
                }
            }
        }
        let ocp = plans.filter { $0.cluster.distribution == .ocp }
        if !ocp.isEmpty {
            out.append("# HELP cluster_version Reported Unix time of the version change (current, completed, ...).\n")
            out.append("# TYPE cluster_version gauge\n")
            for plan in ocp {
                for s in plan.buildInfo {
                    try plan.forEachReplica(s.labels) { prefix, _ in try out.writeBuildInfo("cluster_version", prefix, s, plan) }
                }
            }
        }
        let kubeState = ocp.filter { $0.cluster.kubeStateNodes }
        if !kubeState.isEmpty {
            for (metric, withRole) in [("kube_node_info", false), ("kube_node_role", true)] {
                out.append("# HELP \(metric) \(withRole ? "The role of a cluster node." : "Information about a cluster node.")\n")
                out.append("# TYPE \(metric) gauge\n")
                for plan in kubeState {
                    for node in plan.cluster.nodeNames {
                        var labels: [(String, String)] = [("cluster", plan.cluster.name), ("node", node)]
                        if withRole { labels.append(("role", ScenarioCluster.role(ofNode: node))) }
                        labels += [("job", "kube-state-metrics"), ("namespace", "openshift-monitoring")]
                        let values: [Double?] = plan.times.indices.map { k in plan.buildAt[k] >= 0 && !plan.gapAt[k] ? 1 : nil }
                        try plan.forEachReplica(labels) { prefix, _ in try out.writeGauge(metric, prefix, values, plan) }
                    }
                }
            }
        }
        let pools = ocp.filter { $0.cluster.machinePools != nil }
        if !pools.isEmpty {
            for (metric, updated) in [("mco_machine_count", false), ("mco_updated_machine_count", true)] {
                out.append("# HELP \(metric) \(updated ? "updated machine count" : "total number of machines") in the pool\n")
                out.append("# TYPE \(metric) gauge\n")
                for plan in pools {
                    for s in plan.poolSeries(updated: updated) {
                        try plan.forEachReplica(s.labels) { prefix, _ in try out.writeGauge(metric, prefix, s.values, plan) }
                    }
                }
            }
        }
        let kube = plans.filter { $0.cluster.distribution != .ocp }
        if !kube.isEmpty {
            out.append(
                "# HELP kubernetes_build_info A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.\n"
            )
            out.append("# TYPE kubernetes_build_info gauge\n")
            for plan in kube {
                for s in plan.buildInfo {
                    try plan.forEachReplica(s.labels) { prefix, _ in try out.writeBuildInfo("kubernetes_build_info", prefix, s, plan) }
                }
            }
        }
        if !seed.isEmpty {
            out.append("# HELP pod:container_cpu_usage:sum Recording rule of the cluster-monitoring-operator.\n")
            out.append("# TYPE pod:container_cpu_usage:sum gauge\n")
            for plan in seed {
                for (labels, values) in plan.seedPodCPU() {
                    try out.writeGauge("pod:container_cpu_usage:sum", ClusterPlan.labelText(labels), values, plan)
                }
            }
            for rule in Set(seed.flatMap(\.cluster.containerRules)).sorted() {
                out.append("# HELP \(rule) Recording rule of the cluster-monitoring-operator.\n")
                out.append("# TYPE \(rule) gauge\n")
                for plan in seed where plan.cluster.containerRules.contains(rule) {
                    for (labels, values) in plan.seedContainerRule(memory: rule.contains("memory")) {
                        try out.writeGauge(rule, ClusterPlan.labelText(labels), values, plan)
                    }
                }
            }
            out.append("# HELP kube_pod_labels Kubernetes labels converted to Prometheus labels.\n")
            out.append("# TYPE kube_pod_labels gauge\n")
            for plan in seed {
                for (labels, values) in plan.seedPodCPU() {
                    let app = labels.first { $0.0 == "pod" }.map { $0.1.split(separator: "-").first.map(String.init) ?? $0.1 } ?? ""
                    try out.writeGauge(
                        "kube_pod_labels", ClusterPlan.labelText(labels + [("label_app", app)]), values.map { $0.map { _ in 1 } }, plan)
                }
            }
        }
        out.append("# EOF\n")
        try out.flush()
        return GenerationSummary(series: out.series, samples: out.samples, bytes: out.bytesWritten)
    }
}

// MARK: - Planning

/// A cgroup series: labels, CPU rate per build (nil: absent in that build), what the CPU
/// variation adds to the counter at each scrape, and memory per scrape (NaN: absent at that
/// scrape).
struct CgroupSeries {
    var labels: [(String, String)]
    var rates: [Double?]
    /// Per scrape, the integral of (varying rate − base rate) from the first build's start, in
    /// core-seconds; nil when no build of the series varies, so constant series stay exact.
    var variation: [Double]? = nil
    var memory: [Double]
    /// Per scrape, whether the series is written at all (nil: wherever it has a rate).
    var active: [Bool]? = nil
    /// The scenario container behind a container series (nil for pause, totals and roll-ups).
    var container: (namespace: String, pod: String, container: String)? = nil
    var counterStart: Double {
        1e4 * max(rates.compactMap { $0 }.max() ?? 0, 1e-3)
    }
}

/// A build-info series: labels, value and the scrapes at which it has a sample.
struct BuildInfoSeries {
    var labels: [(String, String)]
    var value: Double
    var present: [Bool]
}

/// Everything about one cluster the writer needs, computed once.
struct ClusterPlan {
    let cluster: ScenarioCluster
    let times: [TimestampMs]
    /// Build index per scrape, -1 before the first build.
    let buildAt: [Int]
    let gapAt: [Bool]
    let nanAt: [Bool]
    /// Where each build's counting starts (its `from`, not before the data) and the integral of
    /// the rate before it, per series, is computed from these.
    let segmentStart: [TimestampMs]
    var cgroups: [CgroupSeries] = []
    var buildInfo: [BuildInfoSeries] = []

    init(cluster: ScenarioCluster, scenario: Scenario, times: [TimestampMs]) {
        self.cluster = cluster
        self.times = times
        buildAt = times.map { cluster.buildIndex(at: $0) ?? -1 }
        gapAt = times.map { cluster.isInGap($0) }
        let nanSet = Set(cluster.nanAt)
        nanAt = times.map { nanSet.contains($0) }
        segmentStart = cluster.builds.map { max($0.from, scenario.dataStart) }
        cgroups = planCgroups()
        buildInfo = planBuildInfo()
    }

    /// Calls `body` with the label text of each copy of a series (one per HA replica, else one)
    /// and the replica's index (0 without replicas).
    func forEachReplica(_ labels: [(String, String)], _ body: (String, Int) throws -> Void) rethrows {
        if cluster.haReplicas {
            for (index, replica) in ["prometheus-k8s-0", "prometheus-k8s-1"].enumerated() {
                for copy in federated(labels + [("prometheus_replica", replica)]) { try body(Self.labelText(copy), index) }
            }
        } else {
            for copy in federated(labels) { try body(Self.labelText(copy), 0) }
        }
    }

    /// The copies of a series the hub holds after federation (see ``ScenarioFederation``): one
    /// per distinct label set the federating replicas write.
    func federated(_ labels: [(String, String)]) -> [[(String, String)]] {
        let own = labels.filter { !$0.1.isEmpty }
        let replicas: Int
        let honor: Bool
        switch cluster.federation {
        case .direct: return [own]
        case .serviceMonitor(let n): (replicas, honor) = (n, true)
        case .exportedLabels(let n): (replicas, honor) = (n, false)
        }
        var copies: [[(String, String)]] = []
        var seen = Set<String>()
        for r in 0..<replicas {
            var copy = own
            for (name, value) in ScenarioFederation.federatorLabels(replica: r) {
                if let i = copy.firstIndex(where: { $0.0 == name }) {
                    if honor { continue }
                    copy[i].0 = "exported_" + name
                }
                copy.append((name, value))
            }
            let key = Self.labelText(copy.sorted { $0.0 < $1.0 })
            if seen.insert(key).inserted { copies.append(copy) }
        }
        return copies
    }

    /// The labels the kubelet's cAdvisor scrape adds on a real cluster (federated scenarios only).
    func kubeletLabels(node: String, path: String = "/metrics/cadvisor") -> [(String, String)] {
        guard cluster.federation != .direct else { return [] }
        let n = ScenarioNoise.fnv1a([cluster.name, node]) % 200 + 10
        return [
            ("endpoint", "https-metrics"), ("instance", "10.0.0.\(n):10250"), ("job", "kubelet"), ("metrics_path", path),
            ("service", "kubelet"),
        ]
    }

    /// The memory sample a replica writes at scrape `k`: nil for none, NaN where a fault says so.
    func memorySample(_ s: CgroupSeries, at k: Int, replica: Int) -> Double? {
        let value = s.memory[k]
        guard !value.isNaN, !gapAt[k], s.active?[k] ?? true else { return nil }
        let t = times[k]
        let faults = cluster.haReplicas ? cluster.replicaFaults.filter { $0.replica == replica } : []
        if faults.contains(where: { f in f.gaps.contains { $0.contains(t) } }) { return nil }
        if nanAt[k] || faults.contains(where: { f in f.nanDuring.contains { $0.contains(t) } }) { return .nan }
        if let c = s.container, cluster.isMemberNaN(namespace: c.namespace, pod: c.pod, container: c.container, at: t) {
            return .nan
        }
        return value
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        var s = "{"
        var first = true
        for (name, value) in labels where !value.isEmpty {
            if !first { s += "," }
            first = false
            s += name + "=\""
            for ch in value.unicodeScalars {
                switch ch {
                case "\\": s += "\\\\"
                case "\"": s += "\\\""
                case "\n": s += "\\n"
                default: s.unicodeScalars.append(ch)
                }
            }
            s += "\""
        }
        return s + "} "
    }

    private func rates(_ usage: [String: ScenarioUsage]) -> [Double?] {
        cluster.builds.map { usage[$0.version]?.cpuCores }
    }

    /// Per scrape, what ``CPUVariation`` adds to the counter: the integral of the deviation from
    /// the base rate over each build's time, from the first build's start; nil when no build varies.
    private func variationRow(_ usage: [String: ScenarioUsage], seed: UInt64) -> [Double]? {
        let builds = cluster.builds.map { usage[$0.version] }
        guard builds.contains(where: { $0?.cpuVariation != nil }) else { return nil }
        /// Only the builds from `first` on can overlap [t1, t2): the others add nothing, and a
        /// scenario of many builds would otherwise pay for all of them at every scrape.
        func deviation(_ t1: TimestampMs, _ t2: TimestampMs, from first: Int) -> Double {
            var sum = 0.0
            for b in max(first, 0)..<builds.count {
                if segmentStart[b] >= t2 { break }
                guard let u = builds[b], let v = u.cpuVariation else { continue }
                let lo = max(t1, segmentStart[b])
                let hi = b + 1 < builds.count ? min(t2, segmentStart[b + 1]) : t2
                if lo < hi { sum += v.deviation(base: u.cpuCores, seed: seed, from: lo, to: hi) }
            }
            return sum
        }
        var row = [Double](repeating: 0, count: times.count)
        var total = 0.0
        var from = segmentStart[0]
        var first = 0
        for (k, t) in times.enumerated() where t > from {
            total += deviation(from, t, from: first)
            from = t
            first = max(buildAt[k], 0)
            row[k] = total
        }
        return row
    }

    private func memoryRow(_ usage: [String: ScenarioUsage], amplitude: Double, seed: UInt64) -> [Double] {
        let bases = cluster.builds.map { usage[$0.version]?.memoryBytes }
        return times.indices.map { k in
            let b = buildAt[k]
            // No sample is written in a gap.
            guard b >= 0, !gapAt[k], let base = bases[b] else { return .nan }
            return ScenarioNoise.memory(base: base, amplitude: amplitude, seed: seed, at: times[k])
        }
    }

    /// Sums children: a rate is present when any child's is; memory likewise per scrape; the
    /// variations add up, as integrals do.
    private func sum(_ children: [CgroupSeries], labels: [(String, String)]) -> CgroupSeries {
        var rates = [Double?](repeating: nil, count: cluster.builds.count)
        var variation: [Double]?
        var memory = [Double](repeating: .nan, count: times.count)
        for c in children {
            for (b, r) in c.rates.enumerated() {
                if let r { rates[b] = (rates[b] ?? 0) + r }
            }
            if let v = c.variation {
                variation = zip(variation ?? [Double](repeating: 0, count: times.count), v).map { $0 + $1 }
            }
            for k in memory.indices where !c.memory[k].isNaN {
                memory[k] = memory[k].isNaN ? c.memory[k] : memory[k] + c.memory[k]
            }
        }
        return CgroupSeries(labels: labels, rates: rates, variation: variation, memory: memory)
    }

    private func planCgroups() -> [CgroupSeries] {
        let name = cluster.name
        let pauseImage: String
        switch cluster.distribution {
        case .ocp, .microshift: pauseImage = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + Self.hex(name + "pause", 64)
        case .k3s: pauseImage = "docker.io/rancher/mirrored-pause:3.6"
        }
        // Pods in first-appearance order.
        var podOrder: [String] = []
        var podContainers: [String: [ScenarioContainer]] = [:]
        for c in cluster.workloads {
            let key = c.namespace + "/" + c.pod
            if podContainers[key] == nil { podOrder.append(key) }
            podContainers[key, default: []].append(c)
        }
        var nodes: [String] = []
        for n in cluster.workloads.map(\.node) + cluster.hostServices.map(\.node) where !nodes.contains(n) {
            nodes.append(n)
        }
        var out: [CgroupSeries] = []
        var resourceCopies: [CgroupSeries] = []
        var podTotalsByNode: [String: [CgroupSeries]] = [:]
        for key in podOrder {
            let containers = podContainers[key]!
            let first = containers[0]
            let uid = Self.uuid(name + "/" + key)
            let podCgroup =
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uid.replacingOccurrences(of: "-", with: "_")).slice"
            var children: [CgroupSeries] = []
            for c in containers {
                let active = c.activeDuring.map { _ in times.map { c.isActive(at: $0) } }
                let labels = [
                    ("cluster", name), ("namespace", c.namespace), ("pod", c.pod), ("container", c.container),
                    ("image", c.image), ("name", "k8s_\(c.container)_\(c.pod)_\(c.namespace)_\(uid)_0"),
                    ("id", podCgroup + "/crio-" + Self.hex(name + key + c.container, 64) + ".scope"), ("node", c.node),
                ]
                children.append(
                    CgroupSeries(
                        labels: labels, rates: rates(c.usage), variation: variationRow(c.usage, seed: cluster.seed(of: c)),
                        memory: memoryRow(c.usage, amplitude: c.memoryAmplitude, seed: cluster.seed(of: c)), active: active,
                        container: (c.namespace, c.pod, c.container)))
                if cluster.resourceCopies {
                    // The kubelet's /metrics/resource copy: the same figures, no image, no cgroup id.
                    var copy = children[children.count - 1]
                    copy.labels =
                        [("cluster", name), ("namespace", c.namespace), ("pod", c.pod), ("container", c.container), ("node", c.node)]
                        + kubeletLabels(node: c.node, path: "/metrics/resource")
                    copy.container = nil
                    resourceCopies.append(copy)
                }
            }
            // A pod whose containers all run only at times (a CronJob's) has its pause container
            // and its cgroup only then.
            let podActive: [Bool]? =
                containers.allSatisfy({ $0.activeDuring != nil })
                ? times.indices.map { k in children.contains { $0.active?[k] ?? false } } : nil
            // The pause container runs whenever any container of the pod does.
            let running = cluster.builds.indices.map { b in children.contains { $0.rates[b] != nil } }
            let pause = CgroupSeries(
                labels: [
                    ("cluster", name), ("namespace", first.namespace), ("pod", first.pod), ("container", "POD"),
                    ("image", pauseImage), ("name", "k8s_POD_\(first.pod)_\(first.namespace)_\(uid)_0"),
                    ("id", podCgroup + "/crio-" + Self.hex(name + key + "POD", 64) + ".scope"), ("node", first.node),
                ],
                rates: running.map { $0 ? ScenarioCluster.pauseCPUCores : nil },
                memory: times.indices.map { k in
                    buildAt[k] >= 0 && running[buildAt[k]] && (podActive?[k] ?? true) ? ScenarioCluster.pauseMemoryBytes : .nan
                }, active: podActive)
            children.append(pause)
            var total = sum(
                children.map { child in
                    // Memory where a child writes none does not add up.
                    var c = child
                    if let a = c.active { for k in a.indices where !a[k] { c.memory[k] = .nan } }
                    return c
                },
                labels: [("cluster", name), ("namespace", first.namespace), ("pod", first.pod), ("id", podCgroup), ("node", first.node)])
            total.active = podActive
            out += children
            out.append(total)
            podTotalsByNode[first.node, default: []].append(total)
        }
        for node in nodes {
            let rollup = { (id: String) in [("cluster", name), ("id", id), ("node", node)] }
            let burstable = sum(podTotalsByNode[node] ?? [], labels: rollup("/kubepods.slice/kubepods-burstable.slice"))
            let kubepods = sum([burstable], labels: rollup("/kubepods.slice"))
            let services = cluster.hostServices.filter { $0.node == node }.map { s in
                CgroupSeries(
                    labels: rollup("/system.slice/" + s.unit), rates: rates(s.usage),
                    variation: variationRow(s.usage, seed: cluster.seed(of: s)),
                    memory: memoryRow(s.usage, amplitude: s.memoryAmplitude, seed: cluster.seed(of: s)))
            }
            let systemSlice = sum(services, labels: rollup("/system.slice"))
            let root = sum([kubepods, systemSlice], labels: rollup("/"))
            out += [burstable, kubepods] + services + [systemSlice, root]
        }
        for i in out.indices {
            let node = out[i].labels.first { $0.0 == "node" }?.1 ?? ""
            out[i].labels += kubeletLabels(node: node)
            if cluster.rawContainerCgroups {
                let raw: Set<String> = ["image", "name", "namespace", "pod", "container"]
                out[i].labels.removeAll { raw.contains($0.0) }
            }
        }
        return (out + resourceCopies).filter { s in s.rates.contains { $0 != nil } }
    }

    private func planBuildInfo() -> [BuildInfoSeries] {
        let builds = cluster.builds
        guard !builds.isEmpty else { return [] }
        let missing = times.map { t in cluster.versionMissing.contains { $0.contains(t) } }
        let double = times.map { t in cluster.versionDouble.contains { $0.contains(t) } }
        func other(_ b: Int) -> String {
            if b > 0 { return builds[b - 1].version }
            if b + 1 < builds.count { return builds[b + 1].version }
            return builds[b].version + "-double"
        }
        // One series per distinct version, present where it is current or the doubled one.
        var versions: [String] = []
        for v in builds.map(\.version) + builds.indices.map(other) where !versions.contains(v) {
            versions.append(v)
        }
        let node = cluster.workloads.first?.node ?? cluster.hostServices.first?.node ?? ""
        let operatorSeries = cluster.distribution == .ocp && cluster.versionReporting != .currentOnly
        let cvoLabels: [(String, String)] =
            cluster.federation == .direct
            ? []
            : [
                ("endpoint", "metrics"), ("instance", "10.0.0.5:9099"), ("job", "cluster-version-operator"),
                ("namespace", "openshift-cluster-version"), ("pod", "cluster-version-operator-6b5c8ff5c8-x2x7d"),
                ("service", "cluster-version-operator"),
            ]
        var out: [BuildInfoSeries] = []
        for v in versions {
            let present = times.indices.map { k in
                let b = buildAt[k]
                return b >= 0 && !missing[k] && (builds[b].version == v || (double[k] && other(b) == v))
            }
            let from = builds.first { $0.version == v }?.from ?? builds[0].from
            let seconds = Double(from / 1000)
            let payloadSeconds = Double(cluster.payloadTime(of: v) / 1000)
            switch cluster.distribution {
            case .ocp:
                let image = "quay.io/openshift-release-dev/ocp-release@sha256:" + Self.hex("release " + v, 64)
                func series(_ type: String, _ value: Double, _ present: [Bool]) {
                    guard present.contains(true) else { return }
                    out.append(
                        BuildInfoSeries(
                            labels: [("cluster", cluster.name), ("image", image), ("type", type), ("version", v)] + cvoLabels,
                            value: value,
                            present: present))
                }
                series("current", payloadSeconds, present)
                guard operatorSeries, case .operatorSeries(let duration) = cluster.versionReporting else {
                    continue
                }
                // completed: the last version fully applied, doubled where the current one is.
                let completed = times.indices.map { k in
                    guard buildAt[k] >= 0, !missing[k], let c = cluster.completedVersion(at: times[k]) else { return false }
                    let b = builds.firstIndex { $0.version == c }!
                    return c == v || (double[k] && other(b) == v)
                }
                series("completed", seconds + Double(duration / 1000), completed)
                // updating: present while the upgrade to this version runs; its value is the start.
                let updating = times.indices.map { k in
                    buildAt[k] >= 0 && !missing[k] && builds[buildAt[k]].version == v && cluster.isUpdating(at: times[k])
                }
                series("updating", seconds, updating)
            case .k3s, .microshift:
                guard present.contains(true) else { continue }
                let numbers = v.drop { !$0.isNumber }.split(whereSeparator: { !$0.isNumber })
                out.append(
                    BuildInfoSeries(
                        labels: [
                            ("cluster", cluster.name), ("git_commit", Self.hex("commit " + v, 40)),
                            ("git_tree_state", "clean"), ("git_version", v), ("go_version", "go1.19.9"),
                            ("major", numbers.first.map(String.init) ?? ""),
                            ("minor", numbers.dropFirst().first.map(String.init) ?? ""), ("node", node),
                            ("platform", "linux/amd64"),
                        ],
                        value: 1, present: present))
            }
        }
        return out
    }

    /// The seed hub's `pod:container_cpu_usage:sum` series: per pod, `ocp_cluster`, `namespace`
    /// and `pod` labels, and the pod's CPU (containers and pause) at each scrape where it runs.
    func seedPodCPU() -> [(labels: [(String, String)], values: [Double?])] {
        cgroups.filter { s in
            s.labels.contains { $0.0 == "pod" } && !s.labels.contains { $0.0 == "container" }
        }.map { s in
            let namespace = s.labels.first { $0.0 == "namespace" }!.1
            let pod = s.labels.first { $0.0 == "pod" }!.1
            let values: [Double?] = times.indices.map { k in
                let b = buildAt[k]
                guard b >= 0, !gapAt[k], s.active?[k] ?? true else { return nil }
                return s.rates[b]
            }
            return ([("ocp_cluster", cluster.name), ("namespace", namespace), ("pod", pod)], values)
        }
    }

    /// A per-container rule's series on the seed hub: `ocp_cluster`, `namespace`, `pod`,
    /// `container` and `node`, for every container with an image (pause included), and the
    /// container's CPU rate (its build's base) or memory sample at each scrape.
    func seedContainerRule(memory: Bool) -> [(labels: [(String, String)], values: [Double?])] {
        cgroups.filter { s in s.labels.contains { $0.0 == "image" } }.map { s in
            func label(_ name: String) -> String { s.labels.first { $0.0 == name }?.1 ?? "" }
            let values: [Double?] = times.indices.map { k in
                let b = buildAt[k]
                guard b >= 0, !gapAt[k], s.active?[k] ?? true, s.rates[b] != nil else { return nil }
                return memory ? (s.memory[k].isNaN ? nil : s.memory[k]) : s.rates[b]
            }
            return (
                [
                    ("ocp_cluster", cluster.name), ("namespace", label("namespace")), ("pod", label("pod")),
                    ("container", label("container")), ("node", label("node")),
                ], values
            )
        }
    }

    /// The machine-config controller's pool series: per pool, its machine count (or updated
    /// machines) at each scrape, nil where nothing is written (before the first build, in a gap).
    func poolSeries(updated: Bool) -> [(labels: [(String, String)], values: [Double?])] {
        guard let pools = cluster.machinePools else { return [] }
        return [("master", pools.masters), ("worker", pools.workers)].map { pool, machines in
            let labels: [(String, String)] = [
                ("cluster", cluster.name), ("job", "machine-config-controller"), ("namespace", "openshift-machine-config-operator"),
                ("pool", pool),
            ]
            let values: [Double?] = times.indices.map { k in
                guard buildAt[k] >= 0, !gapAt[k] else { return nil }
                guard updated else { return Double(machines) }
                let t = times[k]
                let b = buildAt[k]
                guard b > 0, case .operatorSeries(let duration) = cluster.versionReporting else { return Double(machines) }
                let done = cluster.builds[b].from + duration + (pool == "worker" ? pools.workerRollout : 0)
                return t < done ? 0 : Double(machines)
            }
            return (labels, values)
        }
    }

    /// `count` hex digits derived from `text`, stable across runs.
    static func hex(_ text: String, _ count: Int) -> String {
        var seed = ScenarioNoise.fnv1a([text])
        var s = ""
        while s.count < count {
            seed = ScenarioNoise.splitMix64(seed)
            let chunk = String(seed, radix: 16)
            s += String(repeating: "0", count: 16 - chunk.count) + chunk
        }
        return String(s.prefix(count))
    }

    /// A UUID-shaped id derived from `text`.
    static func uuid(_ text: String) -> String {
        let h = Array(hex(text, 32))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(h[$0]) }.joined(separator: "-")
    }
}

// MARK: - Writing

/// A large byte buffer in front of a file handle.
struct ByteWriter {
    let handle: FileHandle
    let path: String
    var buffer: [UInt8] = []
    var bytesWritten = 0
    var series = 0
    var samples = 0
    static let capacity = 4 << 20

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
        buffer.reserveCapacity(Self.capacity + 4096)
    }

    mutating func append(_ s: String) { buffer.append(contentsOf: s.utf8) }

    mutating func flushIfFull() throws {
        if buffer.count >= Self.capacity { try flush() }
    }

    mutating func flush() throws {
        do {
            try buffer.withUnsafeBytes { try handle.write(contentsOf: $0) }
        } catch {
            throw TestBedError.cannotWrite(path: path, reason: error.localizedDescription)
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func appendInt(_ value: Int64) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendInt(-value)
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
                n += 1
            } while v > 0
            while n > 0 {
                n -= 1
                buffer.append(d[n])
            }
        }
    }

    /// Prometheus's spelling of special values; integers without a fraction; otherwise Swift's
    /// shortest round-trip form, which Go's ParseFloat reads back to the same double.
    mutating func appendDouble(_ value: Double) {
        if value.isNaN {
            append("NaN")
        } else if value.isInfinite {
            append(value > 0 ? "+Inf" : "-Inf")
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendInt(Int64(value))
        } else {
            append(value.description)
        }
    }

    /// OpenMetrics timestamps are seconds.
    mutating func appendTimestamp(_ ms: TimestampMs) {
        appendInt(ms.floorDiv(1000))
        let frac = ms - ms.floorDiv(1000) * 1000
        if frac != 0 {
            buffer.append(UInt8(ascii: "."))
            buffer.append(UInt8(truncatingIfNeeded: frac / 100) + 48)
            buffer.append(UInt8(truncatingIfNeeded: frac / 10 % 10) + 48)
            buffer.append(UInt8(truncatingIfNeeded: frac % 10) + 48)
        }
    }

    private mutating func sample(_ head: [UInt8], _ value: Double, _ t: TimestampMs) {
        buffer.append(contentsOf: head)
        appendDouble(value)
        buffer.append(UInt8(ascii: " "))
        appendTimestamp(t)
        buffer.append(UInt8(ascii: "\n"))
        samples += 1
    }

    mutating func writeCounter(_ metric: String, _ labels: String, _ s: CgroupSeries, _ plan: ClusterPlan) throws {
        let head = Array((metric + labels).utf8)
        let c0 = s.counterStart
        // The integral of the rate up to the start of each build.
        var before = [Double](repeating: 0, count: s.rates.count)
        for b in s.rates.indices.dropFirst() {
            let length = Double(plan.segmentStart[b] - plan.segmentStart[b - 1]) / 1000
            before[b] = before[b - 1] + max(length, 0) * (s.rates[b - 1] ?? 0)
        }
        series += 1
        for k in plan.times.indices {
            let b = plan.buildAt[k]
            guard b >= 0, !plan.gapAt[k], s.active?[k] ?? true, let rate = s.rates[b] else { continue }
            let t = plan.times[k]
            let varying = s.variation?[k] ?? 0
            sample(head, c0 + before[b] + rate * (Double(t - plan.segmentStart[b]) / 1000) + varying, t)
            if buffer.count >= Self.capacity { try flush() }
        }
    }

    mutating func writeMemory(_ metric: String, _ labels: String, _ s: CgroupSeries, _ plan: ClusterPlan, replica: Int) throws {
        let head = Array((metric + labels).utf8)
        series += 1
        for k in plan.times.indices {
            guard let value = plan.memorySample(s, at: k, replica: replica) else { continue }
            sample(head, value, plan.times[k])
            if buffer.count >= Self.capacity { try flush() }
        }
    }

    mutating func writeGauge(_ metric: String, _ labels: String, _ values: [Double?], _ plan: ClusterPlan) throws {
        let head = Array((metric + labels).utf8)
        series += 1
        for k in plan.times.indices {
            guard let v = values[k] else { continue }
            sample(head, v, plan.times[k])
            if buffer.count >= Self.capacity { try flush() }
        }
    }

    mutating func writeBuildInfo(_ metric: String, _ labels: String, _ s: BuildInfoSeries, _ plan: ClusterPlan) throws {
        let head = Array((metric + labels).utf8)
        series += 1
        for k in plan.times.indices where s.present[k] {
            sample(head, s.value, plan.times[k])
            if buffer.count >= Self.capacity { try flush() }
        }
    }
}
