import FedCore
import Foundation

/// The Kubernetes distribution a scenario cluster runs; it decides which build-info metric the
/// generator writes (`cluster_version` for OpenShift, `kubernetes_build_info` otherwise).
package enum ScenarioDistribution: String, Sendable, CaseIterable, Codable {
    case ocp
    case k3s
    case microshift
}

/// What one container or host service uses while one build is running.
package struct ScenarioUsage: Sendable, Hashable, Codable {
    /// CPU in cores. Without ``cpuVariation`` it is constant for the whole build, so `rate()` over
    /// the generated counter gives exactly this value; with it, this is the rate the daily swing
    /// and the noise vary around.
    package var cpuCores: Double
    /// The memory working set the samples vary around, in bytes.
    package var memoryBytes: Double
    /// How the CPU rate varies over the day; nil keeps it constant.
    package var cpuVariation: CPUVariation?

    package init(cpuCores: Double, memoryBytes: Double, cpuVariation: CPUVariation? = nil) {
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.cpuVariation = cpuVariation
    }

    /// The instantaneous CPU rate at `t` in cores; `seed` keys the noise of one series.
    package func cpuRate(seed: UInt64, at t: TimestampMs) -> Double {
        cpuVariation?.rate(base: cpuCores, seed: seed, at: t) ?? cpuCores
    }
}

/// A CPU rate that swings over the day and jitters, as real usage does:
///
///     rate(t) = base × (1 + dailyAmplitude × cos(2π (t − peak) / 24 h) + noise × u(k))
///
/// where `peak` is ``peakSecondOfDay`` after midnight UTC and `u(k)` in [-1, 1] is drawn
/// deterministically per series for each ``noiseInterval`` `k = ⌊t / noiseInterval⌋`, constant
/// inside it. The rate has a closed-form integral (``integral(base:seed:from:to:)``), which is what
/// the generated counter holds, so `rate()` over it has an exact expectation: the mean of this
/// function over the span of the samples in the window.
package struct CPUVariation: Sendable, Hashable, Codable {
    /// The daily swing, as a fraction of the base rate.
    package var dailyAmplitude: Double
    /// When the swing peaks, in seconds after midnight UTC.
    package var peakSecondOfDay: Double
    /// The noise, as a fraction of the base rate.
    package var noise: Double
    /// How long each noise value holds, in milliseconds.
    package var noiseInterval: Int64

    package static let day: Double = 86_400

    /// `dailyAmplitude + noise` must stay at most 1, so the rate never goes negative.
    package init(dailyAmplitude: Double, peakSecondOfDay: Double, noise: Double, noiseInterval: Int64 = 60_000) {
        precondition(
            dailyAmplitude >= 0 && noise >= 0 && dailyAmplitude + noise <= 1 && noiseInterval > 0,
            "a CPU variation needs amplitudes ≥ 0 that sum to at most 1 and a positive noise interval")
        self.dailyAmplitude = dailyAmplitude
        self.peakSecondOfDay = peakSecondOfDay
        self.noise = noise
        self.noiseInterval = noiseInterval
    }

    /// The noise seed of a series whose memory noise uses `seed`, so that the two do not move together.
    package static func noiseSeed(_ seed: UInt64) -> UInt64 { ScenarioNoise.splitMix64(seed &+ 0x4350_5500) }

    /// The angle of the daily swing at `t`, from the time of day (whole days dropped in integer
    /// milliseconds, so that the angle stays small and exact).
    func phase(_ t: TimestampMs) -> Double {
        let dayMs = Int64(Self.day) * 1000
        let ms = t - t.floorDiv(dayMs) * dayMs
        return 2 * Double.pi * (Double(ms) / 1000 - peakSecondOfDay) / Self.day
    }

    func noiseValue(seed: UInt64, interval k: Int64) -> Double {
        ScenarioNoise.unit(seed: Self.noiseSeed(seed), at: k * noiseInterval)
    }

    /// The instantaneous rate at `t` in cores.
    package func rate(base: Double, seed: UInt64, at t: TimestampMs) -> Double {
        base * (1 + dailyAmplitude * cos(phase(t)) + noise * noiseValue(seed: seed, interval: t.floorDiv(noiseInterval)))
    }

    /// The integral of ``rate(base:seed:at:)`` − `base` from `t1` to `t2`, in core-seconds.
    package func deviation(base: Double, seed: UInt64, from t1: TimestampMs, to t2: TimestampMs) -> Double {
        guard t2 > t1 else { return 0 }
        let swing = dailyAmplitude * Self.day / (2 * Double.pi) * (sin(phase(t2)) - sin(phase(t1)))
        var jitter = 0.0
        if noise != 0 {
            var k = t1.floorDiv(noiseInterval)
            while k * noiseInterval < t2 {
                let overlap = min(t2, (k + 1) * noiseInterval) - max(t1, k * noiseInterval)
                jitter += Double(overlap) / 1000 * noiseValue(seed: seed, interval: k)
                k += 1
            }
        }
        return base * (swing + noise * jitter)
    }

    /// The integral of ``rate(base:seed:at:)`` from `t1` to `t2`, in core-seconds.
    package func integral(base: Double, seed: UInt64, from t1: TimestampMs, to t2: TimestampMs) -> Double {
        t2 > t1 ? base * Double(t2 - t1) / 1000 + deviation(base: base, seed: seed, from: t1, to: t2) : 0
    }
}

/// One container of a pod, with its usage per build version.
///
/// A build version missing from `usage` means the container does not run in that build: it has
/// no series at all while that build is current. That is how scenarios model components that are
/// new in, or removed from, a release.
package struct ScenarioContainer: Sendable, Hashable {
    package var namespace: String
    package var pod: String
    package var container: String
    package var image: String
    package var node: String
    /// Usage per build version.
    package var usage: [String: ScenarioUsage]
    /// How far memory samples stray from the build's base, as a fraction: each sample is
    /// `round(base × (1 + memoryAmplitude × u))` with `u` in [-1, 1] drawn deterministically
    /// from the series and the scrape timestamp. 0 gives a constant working set.
    package var memoryAmplitude: Double
    /// Where set, the container runs only inside these ranges of its builds (a CronJob's pod,
    /// an installer or pruner pod): it writes no samples outside them. A range holding one
    /// scrape gives a pod scraped once.
    package var activeDuring: [ClosedRange<TimestampMs>]?

    package init(
        namespace: String, pod: String, container: String, image: String, node: String,
        usage: [String: ScenarioUsage], memoryAmplitude: Double = 0.1, activeDuring: [ClosedRange<TimestampMs>]? = nil
    ) {
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.image = image
        self.node = node
        self.usage = usage
        self.memoryAmplitude = memoryAmplitude
        self.activeDuring = activeDuring
    }

    /// Whether the container is running at `t` as far as ``activeDuring`` goes.
    package func isActive(at t: TimestampMs) -> Bool {
        activeDuring?.contains { $0.contains(t) } ?? true
    }
}

/// How the cluster's series reached the hub, and what that did to their labels.
package enum ScenarioFederation: Sendable, Equatable {
    /// As the cluster's own Prometheus has them (the test bed's first shape).
    case direct
    /// Federated from openshift-monitoring's `/federate` by `replicas` Prometheus servers
    /// through a ServiceMonitor with `honorLabels: true`: each series gets the federating
    /// target's `namespace`, `pod`, `container`, `service`, `endpoint`, `job` and `instance`
    /// where it lacks them (pod cgroups, roll-ups and host services), so those series appear
    /// once per federating replica. cAdvisor series carry the kubelet's target labels
    /// (`job="kubelet"`, `metrics_path="/metrics/cadvisor"`, …) as on a real cluster.
    case serviceMonitor(replicas: Int)
    /// The same with `honor_labels: false`: every clashing label is renamed `exported_<name>`
    /// and the federating target's labels are set on every series.
    case exportedLabels(replicas: Int)

    /// The federating target's labels for replica `r`.
    package static func federatorLabels(replica r: Int) -> [(String, String)] {
        [
            ("namespace", "openshift-monitoring"), ("pod", "prometheus-federate-\(r)"), ("container", "prometheus"),
            ("service", "prometheus-federate"), ("endpoint", "web"), ("job", "prometheus-federate"),
            ("instance", "10.131.0.\(20 + r):9090"),
        ]
    }
}

/// The machine-config controller's pools (`mco_machine_count{pool}`,
/// `mco_updated_machine_count{pool}`): on an upgrade the master pool is updated when the
/// cluster-version operator says completed, and the worker pool ``workerRollout`` later, while
/// its nodes drain and reboot.
package struct ScenarioMachinePools: Sendable, Hashable {
    package var masters: Int
    package var workers: Int
    package var workerRollout: Int64

    package init(masters: Int = 3, workers: Int, workerRollout: Int64) {
        self.masters = masters
        self.workers = workers
        self.workerRollout = workerRollout
    }
}

/// A systemd unit outside Kubernetes (`kubelet.service`, `crio.service`, `k3s.service` …),
/// written as a cgroup series `id="/system.slice/<unit>"` without namespace, pod or container.
package struct ScenarioHostService: Sendable, Hashable {
    package var unit: String
    package var node: String
    /// Usage per build version; a missing version means the unit does not run in that build.
    package var usage: [String: ScenarioUsage]
    /// See ``ScenarioContainer/memoryAmplitude``.
    package var memoryAmplitude: Double

    package init(unit: String, node: String, usage: [String: ScenarioUsage], memoryAmplitude: Double = 0.05) {
        self.unit = unit
        self.node = node
        self.usage = usage
        self.memoryAmplitude = memoryAmplitude
    }
}

/// How an OpenShift cluster's `cluster_version` series describe its builds.
package enum ScenarioVersionReporting: Sendable, Equatable {
    /// Only `type="current"`, which flips when an upgrade starts (older operators, other tooling).
    case currentOnly
    /// As the cluster-version operator does: `current` flips when an upgrade starts;
    /// `updating` (value: the start, in Unix seconds) is present for `updatingFor` milliseconds
    /// while the upgrade runs; `completed` names the last completely applied version and flips
    /// when `updating` ends. The first build counts as completed from its `from`.
    case operatorSeries(updatingFor: Int64)

    /// A real 4.6 → 4.7 upgrade: about 40 minutes of `updating`.
    package static let realistic = ScenarioVersionReporting.operatorSeries(updatingFor: 40 * 60_000)
}

/// A container whose memory samples are NaN for a while (a broken cgroup read), on every replica.
package struct ScenarioMemberFault: Sendable, Hashable {
    package var namespace: String
    package var pod: String
    package var container: String
    package var nanDuring: ClosedRange<TimestampMs>

    package init(namespace: String, pod: String, container: String, nanDuring: ClosedRange<TimestampMs>) {
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.nanDuring = nanDuring
    }
}

/// Trouble on one HA replica's copy of every memory series of a cluster (the other is healthy).
package struct ScenarioReplicaFault: Sendable, Hashable {
    /// 0 for `prometheus-k8s-0` (the replica a querier lists first), 1 for `prometheus-k8s-1`.
    package var replica: Int
    /// Ranges where the replica has no memory samples at all.
    package var gaps: [ClosedRange<TimestampMs>]
    /// Ranges where the replica's memory samples are NaN.
    package var nanDuring: [ClosedRange<TimestampMs>]

    package init(replica: Int, gaps: [ClosedRange<TimestampMs>] = [], nanDuring: [ClosedRange<TimestampMs>] = []) {
        self.replica = replica
        self.gaps = gaps
        self.nanDuring = nanDuring
    }
}

/// One cluster of a scenario: its builds over time, its workloads and the faults to inject.
package struct ScenarioCluster: Sendable {
    /// The value of the `cluster` label on every series of this cluster.
    package var name: String
    package var distribution: ScenarioDistribution
    /// Builds in time order; each is current from its `from` until the next one's. Before the
    /// first build's `from` the cluster writes nothing. An upgrade is a second entry.
    package var builds: [(version: String, from: TimestampMs)] {
        didSet { builds.sort { $0.from < $1.from } }
    }
    package var workloads: [ScenarioContainer]
    package var hostServices: [ScenarioHostService]
    /// Writes every series of the cluster twice, with `prometheus_replica="prometheus-k8s-0"` and
    /// `"prometheus-k8s-1"` and identical values, as an HA pair of Prometheus servers does.
    package var haReplicas: Bool
    /// Ranges with no samples at all for the cluster's cAdvisor series (containers, pods, cgroup
    /// roll-ups, host services). Build-info series go on. Counters keep counting across a gap.
    package var gaps: [ClosedRange<TimestampMs>]
    /// Scrape timestamps at which every `container_memory_working_set_bytes` sample of the
    /// cluster (containers, pause, pod totals, roll-ups, host services) is written as `NaN`.
    package var nanAt: [TimestampMs]
    /// Ranges without build-info samples.
    package var versionMissing: [ClosedRange<TimestampMs>]
    /// Ranges where a second current build-info series with another version runs beside the
    /// real one: the previous build's version, else the next one's, else `<version>-double`.
    /// On OpenShift with ``ScenarioVersionReporting/operatorSeries(updatingFor:)`` the
    /// `completed` series is doubled the same way.
    package var versionDouble: [ClosedRange<TimestampMs>]
    /// How `cluster_version` reports builds (OpenShift only).
    package var versionReporting: ScenarioVersionReporting = .realistic
    /// Containers whose memory samples are NaN for a while.
    package var memberFaults: [ScenarioMemberFault] = []
    /// Trouble on one HA replica (only with ``haReplicas``).
    package var replicaFaults: [ScenarioReplicaFault] = []
    /// How the series reached the hub.
    package var federation: ScenarioFederation = .direct
    /// Also writes each container's kubelet `/metrics/resource` copy (`container`, `pod`,
    /// `namespace`, no `image`, no `id`), which carries the same metric names.
    package var resourceCopies = false
    /// The machine-config pools, written for OpenShift clusters where set.
    package var machinePools: ScenarioMachinePools?
    /// Writes container and pod cgroups with their `id` only (no image, name, namespace, pod or
    /// container), as cAdvisor does when it cannot read the container runtime: a kubelet that
    /// takes stats from the CRI, or k3s without `--containerd`.
    package var rawContainerCgroups = false
    /// When each build's release payload was created, the value `cluster_version{type="current"}`
    /// carries. A build not listed has the time its nightly name says (`…-0.nightly-YYYY-MM-DD-HHMMSS`)
    /// or 0, which the operator writes when it does not know the payload's age.
    package var payloadCreated: [String: TimestampMs] = [:]

    /// The value ``payloadCreated`` gives `version`, in milliseconds (0: unknown).
    package func payloadTime(of version: String) -> TimestampMs {
        if let t = payloadCreated[version] { return t }
        guard let r = version.range(of: #"-0\.[a-z]+-\d{4}-\d{2}-\d{2}-\d{6}$"#, options: .regularExpression) else { return 0 }
        let parts = version[r].split(separator: "-").suffix(4).map(String.init)
        var c = DateComponents()
        c.year = Int(parts[0])
        c.month = Int(parts[1])
        c.day = Int(parts[2])
        c.hour = Int(parts[3].prefix(2))
        c.minute = Int(parts[3].dropFirst(2).prefix(2))
        c.second = Int(parts[3].suffix(2))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: c).map { Int64($0.timeIntervalSince1970 * 1000) } ?? 0
    }
    /// Writes kube-state-metrics' `kube_node_info` and `kube_node_role` for every node (OpenShift
    /// clusters only, where kube-state-metrics runs in openshift-monitoring).
    package var kubeStateNodes = true
    /// The hub of the seed's own pipeline: it forwards only `pod:container_cpu_usage:sum` and
    /// `kube_pod_labels`, with the cluster in `ocp_cluster` (whose value is this cluster's name),
    /// and nothing else: no cAdvisor series, no memory, no `cluster_version`, no nodes. The rule's
    /// value is the pod's CPU (its containers and pause), the base rate of the build.
    package var seedRecordingRulesOnly = false
    /// With ``seedRecordingRulesOnly``: the cluster-monitoring-operator's per-container rules the
    /// hub carries besides the pod rule, by name (the CPU rules' `:sum_rate`, `:sum_irate`,
    /// `:sum_rate5m`, and `node_namespace_pod_container:container_memory_working_set_bytes`).
    /// Like the operator's, they cover every container with an image, pause included.
    package var containerRules: [String] = []

    /// The cluster's nodes, in first-appearance order: those its containers and host services run on.
    package var nodeNames: [String] {
        var nodes: [String] = []
        for n in workloads.map(\.node) + hostServices.map(\.node) where !nodes.contains(n) { nodes.append(n) }
        return nodes
    }

    /// A node's role as its name says (`…master…` is a master), for `kube_node_role`.
    package static func role(ofNode node: String) -> String { node.contains("master") ? "master" : "worker" }

    package init(
        name: String, distribution: ScenarioDistribution, builds: [(version: String, from: TimestampMs)],
        workloads: [ScenarioContainer], hostServices: [ScenarioHostService] = [],
        haReplicas: Bool = false, gaps: [ClosedRange<TimestampMs>] = [], nanAt: [TimestampMs] = [],
        versionMissing: [ClosedRange<TimestampMs>] = [], versionDouble: [ClosedRange<TimestampMs>] = []
    ) {
        self.name = name
        self.distribution = distribution
        self.builds = builds.sorted { $0.from < $1.from }
        self.workloads = workloads
        self.hostServices = hostServices
        self.haReplicas = haReplicas
        self.gaps = gaps
        self.nanAt = nanAt
        self.versionMissing = versionMissing
        self.versionDouble = versionDouble
    }

    /// CPU of a pod's pause container (`container="POD"`), in cores, in every build.
    package static let pauseCPUCores = 0.00002
    /// Memory working set of a pod's pause container, in bytes, constant.
    package static let pauseMemoryBytes = 573_440.0

    /// The index into ``builds`` of the build current at `t`, or nil before the first build.
    package func buildIndex(at t: TimestampMs) -> Int? {
        var found: Int?
        for (i, b) in builds.enumerated() where b.from <= t { found = i }
        return found
    }

    /// The version current at `t`, or nil before the first build.
    package func version(at t: TimestampMs) -> String? {
        buildIndex(at: t).map { builds[$0].version }
    }

    /// Whether `t` falls in one of ``gaps``.
    package func isInGap(_ t: TimestampMs) -> Bool { gaps.contains { $0.contains(t) } }

    /// Whether a machine-config pool has machines not yet updated at `t`: from an upgrade's start
    /// until its worker rollout ends (nil without ``machinePools``).
    package func isRollingPools(at t: TimestampMs) -> Bool {
        guard let pools = machinePools, case .operatorSeries(let duration) = versionReporting, let b = buildIndex(at: t), b > 0
        else { return false }
        return t < builds[b].from + duration + pools.workerRollout
    }

    /// Whether the cluster-version operator reports an upgrade in progress at `t` (OpenShift
    /// with ``ScenarioVersionReporting/operatorSeries(updatingFor:)`` only).
    package func isUpdating(at t: TimestampMs) -> Bool {
        guard distribution == .ocp, case .operatorSeries(let duration) = versionReporting, let b = buildIndex(at: t), b > 0
        else { return false }
        return t < builds[b].from + duration
    }

    /// The version `cluster_version{type="completed"}` names at `t`: the last build whose upgrade
    /// ended by then (the first build from its start); nil before the first build.
    package func completedVersion(at t: TimestampMs) -> String? {
        guard let b = buildIndex(at: t) else { return nil }
        if case .operatorSeries(let duration) = versionReporting, b > 0, t < builds[b].from + duration {
            return builds[b - 1].version
        }
        return builds[b].version
    }

    /// The CPU the container uses at `t` in cores (the instantaneous rate, with its
    /// ``ScenarioUsage/cpuVariation``), or nil when it does not run then.
    package func cpuCores(of container: ScenarioContainer, at t: TimestampMs) -> Double? {
        guard container.isActive(at: t) else { return nil }
        return version(at: t).flatMap { container.usage[$0]?.cpuRate(seed: seed(of: container), at: t) }
    }

    /// The container's memory working set at `t` as the model defines it (gaps and ``nanAt``
    /// ignored), or nil when it does not run then. Samples are only written at scrape timestamps.
    package func memoryBytes(of container: ScenarioContainer, at t: TimestampMs) -> Double? {
        guard let base = version(at: t).flatMap({ container.usage[$0]?.memoryBytes }) else { return nil }
        return ScenarioNoise.memory(base: base, amplitude: container.memoryAmplitude, seed: seed(of: container), at: t)
    }

    /// The memory sample the generated file holds for the container at scrape timestamp `t`:
    /// nil when there is none (not running, or in a gap), `NaN` at ``nanAt``.
    package func memorySample(of container: ScenarioContainer, at t: TimestampMs) -> Double? {
        guard !isInGap(t), container.isActive(at: t), let value = memoryBytes(of: container, at: t) else { return nil }
        return nanAt.contains(t) || isMemberNaN(namespace: container.namespace, pod: container.pod, container: container.container, at: t)
            ? .nan : value
    }

    /// Whether one of ``memberFaults`` makes the container's memory sample NaN at `t`.
    package func isMemberNaN(namespace: String, pod: String, container: String, at t: TimestampMs) -> Bool {
        memberFaults.contains {
            $0.namespace == namespace && $0.pod == pod && $0.container == container && $0.nanDuring.contains(t)
        }
    }

    /// The CPU the host service uses at `t` in cores (the instantaneous rate), or nil when it does
    /// not run then.
    package func cpuCores(of service: ScenarioHostService, at t: TimestampMs) -> Double? {
        version(at: t).flatMap { service.usage[$0]?.cpuRate(seed: seed(of: service), at: t) }
    }

    /// The cluster with `variation` on the CPU of every container and host service in every build
    /// (pause containers stay constant).
    package func withCPUVariation(_ variation: CPUVariation?) -> ScenarioCluster {
        var copy = self
        func vary(_ usage: [String: ScenarioUsage]) -> [String: ScenarioUsage] {
            usage.mapValues { u in
                var u = u
                u.cpuVariation = variation
                return u
            }
        }
        for i in copy.workloads.indices { copy.workloads[i].usage = vary(copy.workloads[i].usage) }
        for i in copy.hostServices.indices { copy.hostServices[i].usage = vary(copy.hostServices[i].usage) }
        return copy
    }

    /// The cluster with each build's usage of each container and host service multiplied by
    /// `1 + amplitude × u`, `u` in [-1, 1] drawn from the cluster, the container (or unit), the
    /// build and the resource: the build-to-build noise of real nightlies, where the same code
    /// uses a little more or less on another install. CPU and memory move independently.
    package func withBuildNoise(_ amplitude: Double) -> ScenarioCluster {
        var copy = self
        func vary(_ usage: [String: ScenarioUsage], _ key: [String]) -> [String: ScenarioUsage] {
            var out = usage
            for (version, u) in usage {
                let seed = ScenarioNoise.fnv1a([name] + key + [version])
                var v = u
                v.cpuCores = u.cpuCores * (1 + amplitude * ScenarioNoise.unit(seed: seed, at: 1))
                v.memoryBytes = (u.memoryBytes * (1 + amplitude * ScenarioNoise.unit(seed: seed, at: 2))).rounded()
                out[version] = v
            }
            return out
        }
        for i in copy.workloads.indices {
            let w = copy.workloads[i]
            copy.workloads[i].usage = vary(w.usage, [w.namespace, w.pod, w.container])
        }
        for i in copy.hostServices.indices {
            let h = copy.hostServices[i]
            copy.hostServices[i].usage = vary(h.usage, [h.node, h.unit])
        }
        return copy
    }

    /// The cluster with the CPU of every container in `namespace` multiplied by `factor` in the
    /// builds `versions`: a planted step when `versions` are the builds from one on.
    package func scalingCPU(namespace: String, by factor: Double, in versions: Set<String>) -> ScenarioCluster {
        var copy = self
        for i in copy.workloads.indices where copy.workloads[i].namespace == namespace {
            for version in versions {
                copy.workloads[i].usage[version]?.cpuCores *= factor
            }
        }
        return copy
    }

    /// The host service's memory working set at `t` (gaps and ``nanAt`` ignored).
    package func memoryBytes(of service: ScenarioHostService, at t: TimestampMs) -> Double? {
        guard let base = version(at: t).flatMap({ service.usage[$0]?.memoryBytes }) else { return nil }
        return ScenarioNoise.memory(base: base, amplitude: service.memoryAmplitude, seed: seed(of: service), at: t)
    }

    func seed(of c: ScenarioContainer) -> UInt64 {
        ScenarioNoise.fnv1a([name, c.namespace, c.pod, c.container])
    }

    func seed(of s: ScenarioHostService) -> UInt64 {
        ScenarioNoise.fnv1a([name, s.node, s.unit])
    }
}

/// A set of clusters over one data window, scraped on one regular grid.
package struct Scenario: Sendable {
    /// First and last instants of the data; samples sit on the multiples of `scrapeInterval`
    /// inside `dataStart...dataEnd`.
    package var dataStart: TimestampMs
    package var dataEnd: TimestampMs
    /// Milliseconds between scrapes, 30 s by default as OpenShift scrapes cAdvisor.
    package var scrapeInterval: Int64
    package var clusters: [ScenarioCluster]

    package init(dataStart: TimestampMs, dataEnd: TimestampMs, scrapeInterval: Int64 = 30_000, clusters: [ScenarioCluster]) {
        precondition(scrapeInterval > 0 && dataEnd >= dataStart, "a scenario needs a positive scrape interval and dataEnd ≥ dataStart")
        self.dataStart = dataStart
        self.dataEnd = dataEnd
        self.scrapeInterval = scrapeInterval
        self.clusters = clusters
    }

    /// The scrape timestamps, in order: multiples of `scrapeInterval` in `dataStart...dataEnd`.
    package var scrapeTimestamps: StrideThrough<TimestampMs> {
        let first = (dataStart + scrapeInterval - 1).floorDiv(scrapeInterval) * scrapeInterval
        return stride(from: first, through: dataEnd, by: Int(scrapeInterval))
    }

    /// The window a collector can query in full: from 10 minutes after the first sample (so a
    /// 5- or 10-minute rate window is already filled) to the last sample, in milliseconds.
    package var collectableWindow: ClosedRange<TimestampMs> {
        let stamps = Array(scrapeTimestamps)
        guard let first = stamps.first, let last = stamps.last else { return dataStart...dataStart }
        return min(first + 600_000, last)...last
    }

    package func cluster(named name: String) -> ScenarioCluster? {
        clusters.first { $0.name == name }
    }

    /// The container `namespace/pod/container` of cluster `cluster`, if the scenario has it.
    package func container(cluster: String, namespace: String, pod: String, container: String) -> ScenarioContainer? {
        self.cluster(named: cluster)?.workloads.first {
            $0.namespace == namespace && $0.pod == pod && $0.container == container
        }
    }

    /// The CPU in cores the named container uses at `t`, or nil when it does not exist or run then.
    package func cpuCores(cluster: String, namespace: String, pod: String, container: String, at t: TimestampMs) -> Double? {
        guard let cl = self.cluster(named: cluster),
            let c = self.container(cluster: cluster, namespace: namespace, pod: pod, container: container)
        else { return nil }
        return cl.cpuCores(of: c, at: t)
    }

    /// The named container's memory working set at `t` by the model (see
    /// ``ScenarioCluster/memoryBytes(of:at:)``), or nil when it does not exist or run then.
    package func memoryBytes(cluster: String, namespace: String, pod: String, container: String, at t: TimestampMs) -> Double? {
        guard let cl = self.cluster(named: cluster),
            let c = self.container(cluster: cluster, namespace: namespace, pod: pod, container: container)
        else { return nil }
        return cl.memoryBytes(of: c, at: t)
    }
}

extension Int64 {
    /// Division rounding towards minus infinity.
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// Deterministic pseudo-randomness for memory samples: SplitMix64 keyed by a series seed and the
/// timestamp, so any sample can be recomputed on its own.
package enum ScenarioNoise {
    /// SplitMix64's output function.
    package static func splitMix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [-1, 1] for `seed` at `t`.
    package static func unit(seed: UInt64, at t: TimestampMs) -> Double {
        let bits = splitMix64(seed ^ UInt64(bitPattern: t))
        return Double(bits >> 11) * 0x1p-52 - 1
    }

    /// `round(base × (1 + amplitude × unit(seed, t)))`.
    package static func memory(base: Double, amplitude: Double, seed: UInt64, at t: TimestampMs) -> Double {
        amplitude == 0 ? base.rounded() : (base * (1 + amplitude * unit(seed: seed, at: t))).rounded()
    }

    /// FNV-1a over the parts, separated by a zero byte; stable across runs, unlike `Hasher`.
    package static func fnv1a(_ parts: [String]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (i, part) in parts.enumerated() {
            // A zero byte between parts, so that ["ab", "c"] and ["a", "bc"] differ.
            if i > 0 { h &*= 0x0000_0100_0000_01B3 }
            for b in part.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        }
        return h
    }
}
