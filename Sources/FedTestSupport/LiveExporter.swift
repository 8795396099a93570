import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One build of a live cluster: its containers and what each uses, constant while it runs.
package struct LiveBuild: Sendable {
    package var version: String
    /// (namespace, pod, container, cores, bytes).
    package var containers: [(namespace: String, pod: String, container: String, cores: Double, bytes: Double)]
    /// The kubelet host service's CPU and memory.
    package var kubelet: (cores: Double, bytes: Double)

    package init(
        version: String, containers: [(namespace: String, pod: String, container: String, cores: Double, bytes: Double)],
        kubelet: (cores: Double, bytes: Double)
    ) {
        self.version = version
        self.containers = containers
        self.kubelet = kubelet
    }
}

/// A cluster's kubelet and cluster-version operator as a live `/metrics` endpoint: cAdvisor-shaped
/// counters and gauges that advance with the wall clock (containers, their pause containers and
/// pod cgroups, the kubelet service, the root cgroup) and `cluster_version`, on one loopback port.
///
/// An upgrade at `upgradeAt` works the way the cluster-version operator reports it: `current`
/// flips to the new version and `updating` appears for `updatingFor`, while the old build's pods
/// go and the new build's pods come (new pod names); then `completed` names the new version. The
/// CPU counters hold `rate × seconds since start`, so `rate()` over them gives the rate exactly.
package final class LiveExporter: @unchecked Sendable {
    package let port: Int
    package var url: String { "http://127.0.0.1:\(port)" }
    package let builds: [LiveBuild]
    package let start: Date
    package let upgradeAt: Date?
    package let updatingFor: TimeInterval
    private let node: String
    private let listenFD: Locked<Int32>

    /// Serves `builds[0]`, and `builds[1]` from `upgradeAt` on when given.
    package init(builds: [LiveBuild], node: String, upgradeAt: Date? = nil, updatingFor: TimeInterval = 20) throws {
        precondition(!builds.isEmpty && (upgradeAt == nil || builds.count == 2), "one build, or two with an upgrade time")
        precondition(builds.allSatisfy { $0.kubelet.cores == builds[0].kubelet.cores }, "the kubelet's CPU is the same in every build")
        self.builds = builds
        self.node = node
        self.upgradeAt = upgradeAt
        self.updatingFor = updatingFor
        start = Date()
        let (fd, bound) = try Loopback.listen(port: 0, backlog: 16)
        port = bound
        listenFD = Locked(fd)
        let thread = Thread { [self] in serve(fd) }
        thread.name = "LiveExporter"
        thread.start()
    }

    deinit { stop() }

    package func stop() {
        let fd = listenFD.exchange(-1)
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    /// Which build runs at `t`, and whether the operator reports the upgrade as in progress.
    package func state(at t: Date) -> (build: Int, updating: Bool) {
        guard let upgradeAt, t >= upgradeAt else { return (0, false) }
        return (1, t < upgradeAt.addingTimeInterval(updatingFor))
    }

    private func serve(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            // Whatever was asked, once the request's head is in: the exposition at that moment.
            var request: [UInt8] = []
            while firstRange(of: Array("\r\n\r\n".utf8), in: request) == nil, let chunk = Loopback.receive(fd) { request += chunk }
            let body = Array(exposition(at: Date()).utf8)
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            Loopback.sendAll(fd, Array(head.utf8) + body)
            close(fd)
        }
    }

    /// The text exposition at `t`.
    package func exposition(at t: Date) -> String {
        let seconds = t.timeIntervalSince(start)
        let (b, updating) = state(at: t)
        let build = builds[b]
        // A counter that has run since `since` at `rate` (constant).
        func counter(_ rate: Double, since: TimeInterval) -> Double { 1000 + rate * max(seconds - since, 0) }
        let since = b == 0 ? 0 : upgradeAt!.timeIntervalSince(start)
        var cpu = "# TYPE container_cpu_usage_seconds_total counter\n"
        var memory = "# TYPE container_memory_working_set_bytes gauge\n"
        // The kubelet and the root cgroup run through the upgrade: their counters count from the
        // start (the kubelet's rate is the same in every build, so its counter never jumps).
        func add(_ labels: String, cores: Double, bytes: Double, fromStart: Bool = false) {
            cpu += "container_cpu_usage_seconds_total{\(labels)} \(counter(cores, since: fromStart ? 0 : since))\n"
            memory += "container_memory_working_set_bytes{\(labels)} \(bytes)\n"
        }
        var totalCores = build.kubelet.cores
        var totalBytes = build.kubelet.bytes
        let pods = Dictionary(grouping: build.containers, by: { "\($0.namespace)/\($0.pod)" })
        for key in pods.keys.sorted() {
            let list = pods[key]!
            let ns = list[0].namespace
            let pod = list[0].pod
            let cgroup = "/kubepods.slice/kubepods-pod\(ScenarioNoise.fnv1a([key]) % 100_000).slice"
            var podCores = ScenarioCluster.pauseCPUCores
            var podBytes = ScenarioCluster.pauseMemoryBytes
            for c in list {
                add(
                    #"namespace="\#(ns)",pod="\#(pod)",container="\#(c.container)",image="quay.io/openshift/\#(c.container):\#(build.version)",id="\#(cgroup)/crio-\#(c.container).scope",node="\#(node)""#,
                    cores: c.cores, bytes: c.bytes)
                podCores += c.cores
                podBytes += c.bytes
            }
            add(
                #"namespace="\#(ns)",pod="\#(pod)",container="POD",image="quay.io/openshift/pause:3.9",id="\#(cgroup)/crio-pause.scope",node="\#(node)""#,
                cores: ScenarioCluster.pauseCPUCores, bytes: ScenarioCluster.pauseMemoryBytes)
            add(#"namespace="\#(ns)",pod="\#(pod)",id="\#(cgroup)",node="\#(node)""#, cores: podCores, bytes: podBytes)
            totalCores += podCores
            totalBytes += podBytes
        }
        add(#"id="/system.slice/kubelet.service",node="\#(node)""#, cores: build.kubelet.cores, bytes: build.kubelet.bytes, fromStart: true)
        add(#"id="/",node="\#(node)""#, cores: totalCores, bytes: totalBytes, fromStart: true)
        var version = "# TYPE cluster_version gauge\n"
        let now = t.timeIntervalSince1970
        version += #"cluster_version{type="current",version="\#(build.version)"} 0"# + "\n"
        if updating {
            version += #"cluster_version{type="updating",version="\#(build.version)"} \#(Int(upgradeAt!.timeIntervalSince1970))"# + "\n"
            version += #"cluster_version{type="completed",version="\#(builds[0].version)"} \#(Int(now))"# + "\n"
        } else {
            version += #"cluster_version{type="completed",version="\#(build.version)"} \#(Int(now))"# + "\n"
        }
        let nodes = "# TYPE kube_node_info gauge\n" + #"kube_node_info{node="\#(node)"} 1"# + "\n"
        return cpu + memory + version + nodes
    }
}

extension LiveBuild {
    /// A small OpenShift build for the live pipeline: etcd, DNS with its proxy, and the kubelet.
    package static let steady = LiveBuild(
        version: "4.14.3",
        containers: [
            ("openshift-etcd", "etcd-master-0", "etcd", 0.120, 600e6),
            ("openshift-dns", "dns-default-x7k2p", "dns", 0.004, 40e6),
            ("openshift-dns", "dns-default-x7k2p", "kube-rbac-proxy", 0.001, 15e6),
        ], kubelet: (0.2, 150e6))

    /// The build ``steady`` upgrades to: more etcd CPU and memory, DNS pods of a new name.
    package static let upgraded = LiveBuild(
        version: "4.14.5",
        containers: [
            ("openshift-etcd", "etcd-master-0", "etcd", 0.150, 640e6),
            ("openshift-dns", "dns-default-q9z3n", "dns", 0.006, 42e6),
            ("openshift-dns", "dns-default-q9z3n", "kube-rbac-proxy", 0.001, 15e6),
        ], kubelet: (0.2, 160e6))
}
