import FedCore
import FedReports
import FedStoreCore
import Foundation

/// Builders of synthetic comparison inputs shared by the comparison and rendering tests.
package enum Fixture {
    package static let start: TimestampMs = 1_790_000_000_000  // 2026-09-21T14:13:20Z
    package static let step: Int64 = 30_000

    package static func series(
        _ name: String, _ category: Category, _ resource: Resource, _ values: [Double], members: [String]? = nil
    ) -> ComponentSeries {
        ComponentSeries(
            component: ComponentRef(name: name, category: category), resource: resource, values: values,
            members: members ?? ["openshift-\(name)"])
    }

    package static func snapshot(
        id: Int64, build: String, cluster: String = "test-cluster-0", distribution: String = "ocp",
        included: Int? = nil, partial: Bool = false, warnings: [String] = [], querySetHash: String = "qs1",
        leftOut: LeftOutCounts = .init(), noData: [String] = [], measurementHash: String = "", offGridPoints: Int = 0,
        _ series: [ComponentSeries]
    ) -> PooledSnapshot {
        let count = series.first?.values.count ?? 1
        let begin = start + id * 86_400_000
        return PooledSnapshot(
            info: SnapshotRecord(
                id: id,
                metadata: SnapshotMetadata(
                    cluster: cluster, distribution: distribution, build: build, start: begin,
                    end: begin + Int64(count - 1) * step, step: step, querySetHash: querySetHash,
                    querierURL: "https://thanos-querier.example:9091", serverBuild: "prometheus 2.45.0", fedreportVersion: "0.1.0",
                    leftOut: leftOut, warnings: warnings, partial: partial, collectedAt: begin + 90_000_000, noData: noData,
                    measurementHash: measurementHash, offGridPoints: offGridPoints),
                includedTimestamps: included ?? count),
            series: series)
    }

    package static func sample(_ build: String, distribution: String = "ocp", _ snapshots: [PooledSnapshot]) -> BuildSample {
        BuildSample(build: build, distribution: distribution, snapshots: snapshots)
    }

    package static func constant(_ v: Double, _ n: Int = 4) -> [Double] { [Double](repeating: v, count: n) }

    /// A snapshot to store: one cluster, 4 points a minute apart on day `day`, etcd at `etcd`
    /// cores and 200 MB.
    package static func storeInput(
        cluster: String, distribution: String = "ocp", build: String, day: Int64, etcd: Double, partial: Bool = false
    )
        -> SnapshotInput
    {
        let grid = TimeGrid(start: Fixture.start + day * 86_400_000, step: 60_000, count: 4)
        return SnapshotInput(
            metadata: SnapshotMetadata(
                cluster: cluster, distribution: distribution, build: build, start: grid.start, end: grid.end, step: grid.step,
                querySetHash: "qs1", querierURL: "https://q.example", serverBuild: nil, fedreportVersion: "0.1.0",
                leftOut: .init(), warnings: partial ? ["partial response"] : [], partial: partial,
                collectedAt: grid.end + 1000, noData: []),
            included: GridMask(count: 4, allSet: true),
            components: [
                Fixture.series("etcd", .controlPlane, .cpu, [etcd, etcd, etcd, etcd]),
                Fixture.series("etcd", .controlPlane, .memory, [200e6, 200e6, 200e6, 200e6]),
            ],
            containers: [])
    }
}

/// A fixed comparison whose rendering is recorded in Golden/. Values are chosen so every section
/// has something to show: a regression, an improvement, new and removed components, unmapped
/// members, a partial snapshot with points off the step grid, a note on a complete snapshot,
/// sides from different clusters measured differently, a baseline, and hostile names.
package enum RenderFixture {
    package typealias F = Fixture
    package static let script = "<script>alert(1)</script>"
    package static let formula = "=HYPERLINK(\"http://x\")"
    package static let generatedAt: TimestampMs = 1_795_771_800_000  // 2026-11-27T09:30Z
    package static let context = RenderContext(generatedAt: generatedAt, version: "0.1.0-golden")
    package static let gib = 1_073_741_824.0
    package static let mib = 1_048_576.0

    package static func components(cpuScale: Double, memScale: Double, extra: [ComponentSeries]) -> [ComponentSeries] {
        [
            F.series("etcd", .controlPlane, .cpu, F.constant(0.35 * cpuScale)),
            F.series("etcd", .controlPlane, .memory, F.constant(1.2 * gib * memScale)),
            F.series("kube-apiserver", .controlPlane, .cpu, F.constant(0.9)),
            F.series("kube-apiserver", .controlPlane, .memory, F.constant(1.6 * gib)),
            F.series("ovnkube", .networking, .cpu, F.constant(0.12)),
            F.series("ovnkube", .networking, .memory, F.constant(300 * mib / memScale)),
            F.series("prometheus", .monitoring, .cpu, F.constant(0.25)),
            F.series("prometheus", .monitoring, .memory, F.constant(2.1 * gib)),
            F.series("other", .other, .cpu, F.constant(0.004), members: [script, "ns-unmapped"]),
        ] + extra
    }

    /// The acknowledgements of the fixtures: etcd's CPU regression into 4.7.0, the change
    /// point of the control-plane category in the nightlies and the control plane's memory budget.
    package static let acks = [
        Ack(target: .component("etcd"), resource: .cpu, build: "4.7.0", reason: "etcd 3.5 rebase, accepted", ticket: "OCPBUGS-1234"),
        Ack(
            target: .category(.controlPlane), resource: .cpu, build: "4.7.0-0.nightly-2026-10-07-040000",
            reason: "follows etcd", ticket: "OCPBUGS-1235"),
        Ack(
            kind: .budget, target: .category(.controlPlane), resource: .memory, build: "", reason: "over until etcd compacts",
            ticket: "EDGE-7"),
    ]

    /// The budgets of the fixtures. 4.7.0: CPU 1.724 cores within the total's 2, memory 5.43 GiB
    /// over its 5 GiB; the control plane's memory 3.1 GiB over its 3 GiB (acknowledged); etcd's
    /// CPU 420 m over its 400 m; `router` is in no build: not measured.
    package static var budgets: Configuration.Budgets {
        var b = Configuration.Budgets()
        b.total = .init(cpu: 2, memory: 5 * gib)
        b.categories = [.controlPlane: .init(memory: 3 * gib)]
        b.components = ["etcd": .init(cpu: 0.4), "router": .init(memory: gib)]
        return b
    }

    package static var options: CompareOptions {
        var o = CompareOptions()
        o.budgets = budgets
        return o
    }

    /// The k3s baseline of the nightlies: its server (control plane) and coredns.
    package static var k3sServer: BuildSample {
        F.sample(
            "v1.26.5+k3s1", distribution: "k3s",
            [
                F.snapshot(
                    id: 70, build: "v1.26.5+k3s1", cluster: "edge-k3s-0", distribution: "k3s",
                    [
                        F.series("k3s-server", .controlPlane, .cpu, F.constant(0.08)),
                        F.series("k3s-server", .controlPlane, .memory, F.constant(900 * mib)),
                        F.series("coredns", .networking, .cpu, F.constant(0.004)),
                    ])
            ])
    }

    package static var comparison: Comparison {
        var c = unacknowledgedComparison
        var acknowledger = Acknowledger(acks: acks)
        acknowledger.mark(&c)
        return c
    }

    package static var unacknowledgedComparison: Comparison {
        let a = F.sample(
            "4.6.1",
            (1...3).map { i in
                F.snapshot(
                    id: Int64(i), build: "4.6.1", cluster: "test-cluster-0",
                    warnings: i == 2 ? ["the querier has only cluster_version{type=\"current\"} for this cluster"] : [],
                    leftOut: LeftOutCounts(settling: 2, upgrading: 3, nonFiniteSamples: 1, incompleteTotals: 1),
                    measurementHash: "0a1b2c3d4e5f60718293a4b5",
                    components(cpuScale: 1, memScale: 1, extra: [F.series("openshift-sdn", .networking, .cpu, F.constant(0.08))]))
            })
        let b = F.sample(
            "4.7.0",
            (4...5).map { (i: Int) -> PooledSnapshot in
                let last = i == 5
                let warnings: [String] = last ? ["store \(script) unavailable"] : []
                let series = components(
                    cpuScale: 1.2, memScale: 1.25, extra: [F.series("new-operator", .operators, .cpu, F.constant(0.03))])
                return F.snapshot(
                    id: Int64(i), build: "4.7.0", cluster: formula, partial: last, warnings: warnings,
                    measurementHash: "ffeeddccbbaa99887766", offGridPoints: last ? 7 : 0, series)
            })
        let k3s = F.sample(
            "v1.26.5+k3s1", distribution: "k3s",
            [
                F.snapshot(
                    id: 6, build: "v1.26.5+k3s1", cluster: "edge-k3s-0", distribution: "k3s",
                    [
                        F.series("k3s-server", .controlPlane, .cpu, F.constant(0.08)),
                        F.series("k3s-server", .controlPlane, .memory, F.constant(900 * mib)),
                        F.series("coredns", .networking, .cpu, F.constant(0.004)),
                    ])
            ])
        return Comparer.compare(a: a, b: b, baseline: k3s, options: options)
    }

    package static var periodic: PeriodicReport {
        let builds = ["4.6.8", "4.6.9", "4.6.10"]
        let samples = builds.enumerated().map { i, build in
            F.sample(
                build,
                [
                    F.snapshot(
                        id: Int64(10 + i), build: build,
                        components(
                            cpuScale: 1 + 0.1 * Double(i), memScale: 1,
                            extra: i == 0 ? [] : [F.series(script, .operators, .cpu, F.constant(0.02))]))
                ])
        }
        let k3s = F.sample(
            "v1.26.5+k3s1", distribution: "k3s",
            [
                F.snapshot(
                    id: 20, build: "v1.26.5+k3s1", cluster: "edge-k3s-0", distribution: "k3s",
                    [
                        F.series("k3s-server", .controlPlane, .cpu, F.constant(0.08))
                    ])
            ])
        // Total CPU 1.624, 1.679 and 1.714 cores against a budget of 1.7: over in the newest only.
        var options = CompareOptions()
        options.budgets.total = .init(cpu: 1.7)
        return Reporter.periodic(distribution: "ocp", samples: samples, baseline: k3s, options: options)
    }

    /// Twelve nightlies of one snapshot each; etcd's CPU steps up 30 % from the seventh
    /// (2026-10-07) on, which moves the control-plane category and the platform total too, and
    /// their ratio to k3s. A wobble of a few tenths of a percent keeps the other builds from being
    /// identical. The total's CPU goes from about 1.62 cores to 1.73, over its budget of 1.7.
    package static let nightlies = (1...12).map { String(format: "4.7.0-0.nightly-2026-10-%02d-040000", $0) }

    package static var trendPeriodic: PeriodicReport {
        let samples = nightlies.enumerated().map { i, build in
            let wobble = [1.0, -1, 0.5, -0.5, 0][i % 5] * 0.004
            return F.sample(
                build,
                [F.snapshot(id: Int64(30 + i), build: build, components(cpuScale: (i >= 6 ? 1.3 : 1) + wobble, memScale: 1, extra: []))])
        }
        var options = CompareOptions()
        options.budgets.total = .init(cpu: 1.7, memory: 6 * gib)
        var r = Reporter.periodic(distribution: "ocp", samples: samples, baseline: k3sServer, options: options)
        var acknowledger = Acknowledger(acks: acks)
        acknowledger.mark(&r.changes)
        return r
    }

    /// 4.6.1 → 4.6.8 → 4.7.0, three snapshots each: etcd's CPU +10 % and then +30 % of 4.6.1;
    /// in 4.7.0 etcd's memory +25 % and ovnkube's −20 %; against k3s.
    package static var multi: MultiComparison {
        let builds = ["4.6.1", "4.6.8", "4.7.0"]
        let samples = builds.enumerated().map { i, build in
            F.sample(
                build,
                (0..<3).map { k in
                    F.snapshot(
                        id: Int64(40 + 3 * i + k), build: build,
                        components(cpuScale: [1, 1.1, 1.3][i] + 0.01 * Double(k), memScale: i == 2 ? 1.25 : 1, extra: []))
                })
        }
        let k3s = F.sample(
            "v1.26.5+k3s1", distribution: "k3s",
            [
                F.snapshot(
                    id: 60, build: "v1.26.5+k3s1", cluster: "edge-k3s-0", distribution: "k3s",
                    [F.series("k3s-server", .controlPlane, .cpu, F.constant(0.08))])
            ])
        var m = Comparer.compare(samples, baseline: k3s, options: options)
        var acknowledger = Acknowledger(acks: acks)
        acknowledger.mark(&m)
        return m
    }
}
