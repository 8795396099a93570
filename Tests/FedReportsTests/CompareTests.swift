import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import Foundation
import Testing

@testable import FedReports

private func close(_ x: Double?, _ y: Double, tolerance: Double = 1e-9) -> Bool {
    guard let x else { return false }
    return abs(x - y) <= tolerance * max(1, abs(y))
}

@Suite("Comparison")
struct CompareTests {
    typealias F = Fixture

    func row(_ c: Comparison, _ name: String, _ resource: Resource = .cpu) -> ComparisonRow? {
        c.components.first { $0.name == name && $0.resource == resource }
    }

    @Test("A planted +20 % mean above the floors is a regression")
    func plantedRegression() {
        let a = F.sample("4.6.1", [F.snapshot(id: 1, build: "4.6.1", [F.series("etcd", .controlPlane, .cpu, F.constant(0.35))])])
        let b = F.sample("4.6.8", [F.snapshot(id: 2, build: "4.6.8", [F.series("etcd", .controlPlane, .cpu, F.constant(0.42))])])
        let c = Comparer.compare(a: a, b: b)
        let etcd = row(c, "etcd")
        // (0.42 − 0.35) / 0.35 = 0.07 / 0.35 = 0.2 → 20 %.
        #expect(close(etcd?.deltaPct?.mean, 20.0))
        #expect(close(etcd?.deltaPct?.p95, 20.0))
        #expect(etcd?.verdict == .regression)
        #expect(etcd?.pValue == nil)  // one snapshot a side: no significance test
        #expect(c.total(.cpu)?.verdict == .regression)
        #expect(c.hasRegression)
    }

    @Test("A +3 % change is unchanged; a −20 % change is an improvement")
    func smallChangeAndImprovement() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a",
                    [
                        F.series("apiserver", .controlPlane, .cpu, F.constant(1.0)),
                        F.series("ovn", .networking, .memory, F.constant(1_000 * 1_048_576)),
                    ])
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 2, build: "b",
                    [
                        F.series("apiserver", .controlPlane, .cpu, F.constant(1.03)),
                        F.series("ovn", .networking, .memory, F.constant(800 * 1_048_576)),
                    ])
            ])
        let c = Comparer.compare(a: a, b: b)
        #expect(close(row(c, "apiserver")?.deltaPct?.mean, 3.0))
        #expect(row(c, "apiserver")?.verdict == .unchanged)
        // 800 MiB against 1000 MiB: −20 %, 200 MiB above the 10 MiB floor.
        #expect(close(row(c, "ovn", .memory)?.deltaPct?.mean, -20.0))
        #expect(row(c, "ovn", .memory)?.verdict == .improvement)
        #expect(!c.hasRegression)
    }

    @Test("A tiny component at +50 % but within the 0.005-core floor is negligible; +3 % within it is unchanged")
    func belowAbsoluteFloor() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a",
                    [F.series("tiny", .addOns, .cpu, F.constant(0.002)), F.series("small", .addOns, .cpu, F.constant(0.1))])
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 2, build: "b",
                    [F.series("tiny", .addOns, .cpu, F.constant(0.003)), F.series("small", .addOns, .cpu, F.constant(0.103))])
            ])
        let c = Comparer.compare(a: a, b: b)
        // 0.002 → 0.003 cores: +50 %, but 1 millicore, within the 5 millicore floor.
        #expect(close(row(c, "tiny")?.deltaPct?.mean, 50.0))
        #expect(row(c, "tiny")?.verdict == .negligible)
        #expect(row(c, "tiny")?.basis == .thresholdOnly)
        // 0.1 → 0.103: +3 %, within the 5 % threshold (and the floor): unchanged.
        #expect(row(c, "small")?.verdict == .unchanged)
        // The add-ons category: 0.102 → 0.106, +3.9 %: unchanged too.
        #expect(c.categories.first { $0.category == .addOns && $0.resource == .cpu }?.verdict == .unchanged)
    }

    @Test("Components on one side only are new or removed, with the other side nil")
    func newAndRemoved() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a",
                    [
                        F.series("etcd", .controlPlane, .cpu, F.constant(0.3)), F.series("sdn", .networking, .cpu, F.constant(0.2)),
                    ])
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 2, build: "b",
                    [
                        F.series("etcd", .controlPlane, .cpu, F.constant(0.3)), F.series("ovn", .networking, .cpu, F.constant(0.25)),
                    ])
            ])
        let c = Comparer.compare(a: a, b: b)
        #expect(row(c, "ovn")?.verdict == .new)
        #expect(row(c, "ovn")?.a == nil)
        #expect(row(c, "ovn")?.deltaPct == nil)
        #expect(row(c, "sdn")?.verdict == .removed)
        #expect(row(c, "sdn")?.b == nil)
        // The networking category exists on both sides: 0.2 → 0.25 cores is +25 %.
        let net = c.categories.first { $0.category == .networking && $0.resource == .cpu }
        #expect(close(net?.deltaPct?.mean, 25.0))
    }

    @Test("A side whose series has no sample is insufficient-data; low coverage is insufficient below 50 %")
    func insufficientData() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a",
                    [
                        F.series("dns", .networking, .cpu, [.nan, .nan, .nan, .nan]),
                        F.series("etcd", .controlPlane, .cpu, [0.3, .nan, .nan, .nan]),
                        F.series("router", .networking, .cpu, [0.1, 0.1, 0.1, .nan]),
                    ])
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 2, build: "b",
                    [
                        F.series("dns", .networking, .cpu, F.constant(0.1)),
                        F.series("etcd", .controlPlane, .cpu, F.constant(0.6)),
                        F.series("router", .networking, .cpu, F.constant(0.2)),
                    ])
            ])
        let c = Comparer.compare(a: a, b: b)
        #expect(row(c, "dns")?.verdict == .insufficientData)
        #expect(row(c, "dns")?.a == nil)
        // etcd in A: 1 sample of 4 included timestamps = 25 % coverage.
        #expect(row(c, "etcd")?.a?.summary.coverage == 0.25)
        #expect(row(c, "etcd")?.verdict == .insufficientData)
        // router in A: 3 of 4 = 75 %: keeps its verdict, flagged low-coverage.
        #expect(row(c, "router")?.verdict == .regression)
        #expect(row(c, "router")?.flags == [.lowCoverage])
        #expect(c.dataQuality.lowCoverage.contains { $0.name == "router" && $0.side == "a" && $0.coverage == 0.75 })
    }

    @Test("The pooled p95 is the p95 of all samples of all snapshots")
    func pooledPercentiles() {
        // Snapshot 1: finite values 1, 3, 5, 2 of 5 included timestamps; snapshot 2: 10, 4, 6, 8, 7, 9 of 6.
        // Concatenated and sorted: 1 2 3 4 5 6 7 8 9 10 (n = 10).
        // p95: rank 0.95·9 = 8.55 → 9 + 0.55·(10 − 9) = 9.55. p50: rank 4.5 → 5.5. Mean 55/10 = 5.5.
        // Coverage 10 / (5 + 6).
        let a = F.sample(
            "a",
            [
                F.snapshot(id: 1, build: "a", [F.series("etcd", .controlPlane, .cpu, [1, .nan, 3, 5, 2])]),
                F.snapshot(id: 2, build: "a", [F.series("etcd", .controlPlane, .cpu, [10, 4, 6, 8, 7, 9])]),
            ])
        let b = F.sample("b", [F.snapshot(id: 3, build: "b", [F.series("etcd", .controlPlane, .cpu, F.constant(5.5, 5))])])
        let c = Comparer.compare(a: a, b: b)
        let s = row(c, "etcd")?.a
        #expect(close(s?.summary.p95, 9.55))
        #expect(close(s?.summary.p50, 5.5))
        #expect(close(s?.summary.mean, 5.5))
        #expect(s?.summary.max == 10)
        #expect(s?.summary.min == 1)
        #expect(s?.summary.samples == 10)
        #expect(close(s?.summary.coverage, 10.0 / 11.0))
        #expect(s?.snapshots == 2)
        // Per-snapshot means: 11/4 = 2.75 and 44/6.
        #expect(close(s?.snapshotMeans[0], 2.75))
        #expect(close(s?.snapshotMeans[1], 44.0 / 6.0))
    }

    @Test("Category and total series are sums where every component that runs has a value; an interior gap is left out, not summed short")
    func categorySums() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a",
                    [
                        F.series("etcd", .controlPlane, .cpu, [1, 2, .nan, 4]),
                        F.series("apiserver", .controlPlane, .cpu, [3, .nan, .nan, .nan]),
                        F.series("ovn", .networking, .cpu, [1, 1, 1, 1]),
                        F.series("etcd", .controlPlane, .memory, [100, 100, 100, 100]),
                    ])
            ])
        let c = Comparer.compare(a: a, b: a)
        let cp = c.categories.first { $0.category == .controlPlane && $0.resource == .cpu }?.a
        // apiserver runs only at t0 (its span), so later it is not missing. control-plane: t0
        // 1 + 3 = 4; t1 2; t2 etcd runs but has no value and nothing else does: no value; t3 4.
        // Three samples, none left out, coverage 3/4.
        #expect(close(cp?.summary.mean, 10.0 / 3.0))
        #expect(cp?.summary.max == 4)
        #expect(cp?.summary.samples == 3)
        #expect(cp?.leftOutTimestamps == 0)
        #expect(close(cp?.summary.coverage, 0.75))
        // total CPU: t0 1+3+1 = 5; t1 2+1 = 3; t2 etcd has a gap inside its span while ovn has
        // a value: left out (1 alone would be too small); t3 4+1 = 5.
        let total = c.total(.cpu)?.a
        #expect(close(total?.summary.mean, 13.0 / 3.0))
        #expect(total?.summary.min == 3)
        #expect(total?.summary.samples == 3)
        #expect(total?.leftOutTimestamps == 1)
        #expect(c.total(.memory)?.a?.summary.mean == 100)
        #expect(c.totals.map(\.resource) == [.cpu, .memory])
        // Components keep their own samples: etcd [1, 2, 4], apiserver [3].
        let etcd = c.components.first { $0.component?.name == "etcd" && $0.resource == .cpu }?.a
        #expect(close(etcd?.summary.mean, 7.0 / 3.0) && etcd?.summary.samples == 3)
    }

    @Test("A component left out where a member sent NaN leaves its category and total out there too")
    func leftOutComponentLeavesTotalsOut() {
        var etcd = F.series("etcd", .controlPlane, .memory, [100, .nan, 100, 100])
        etcd.leftOut[1] = true
        let a = F.sample("a", [F.snapshot(id: 1, build: "a", [etcd, F.series("ovn", .networking, .memory, [10, 10, 10, 10])])])
        let c = Comparer.compare(a: a, b: a)
        // By hand: t1 is left out for etcd, so the total there is left out: [110, 110, 110].
        let total = c.total(.memory)?.a
        #expect(total?.summary.mean == 110)
        #expect(total?.summary.samples == 3)
        #expect(total?.leftOutTimestamps == 1)
        let cp = c.categories.first { $0.category == .controlPlane }?.a
        #expect(cp?.summary.samples == 3 && cp?.leftOutTimestamps == 1)
        #expect(c.components.first { $0.component?.name == "etcd" }?.a?.leftOutTimestamps == 1)
    }

    /// Three snapshots a side whose series are constant at the given means.
    func threeByThree(_ aMeans: [Double], _ bMeans: [Double]) -> Comparison {
        let a = F.sample(
            "a",
            aMeans.enumerated().map { i, m in
                F.snapshot(id: Int64(i + 1), build: "a", cluster: "c\(i)", [F.series("etcd", .controlPlane, .cpu, F.constant(m))])
            })
        let b = F.sample(
            "b",
            bMeans.enumerated().map { i, m in
                F.snapshot(id: Int64(i + 11), build: "b", cluster: "c\(i)", [F.series("etcd", .controlPlane, .cpu, F.constant(m))])
            })
        return Comparer.compare(a: a, b: b)
    }

    @Test("+10 % with a huge spread across 3+3 snapshots is not significant: unchanged with a note")
    func notSignificant() {
        let c = threeByThree([0.5, 1.0, 1.5], [0.6, 1.1, 1.6])
        let etcd = row(c, "etcd")
        #expect(close(etcd?.deltaPct?.mean, 10.0))
        // scipy.stats.ttest_ind([0.6,1.1,1.6], [0.5,1.0,1.5], equal_var=False).pvalue
        #expect(close(etcd?.pValue, 0.8185490697753558, tolerance: 1e-9))
        // Three rows tested (component, category, total) with the same p: BH leaves it as is.
        #expect(close(etcd?.qValue, 0.8185490697753558, tolerance: 1e-9))
        #expect(etcd?.verdict == .unchanged)
        #expect(etcd?.notes.first?.contains("not significant") == true)
        #expect(!c.hasRegression)
    }

    @Test("+10 % with a tight spread across 3+3 snapshots is a regression")
    func significant() {
        let c = threeByThree([0.99, 1.00, 1.01], [1.09, 1.10, 1.11])
        let etcd = row(c, "etcd")
        // scipy.stats.ttest_ind([1.09,1.10,1.11], [0.99,1.00,1.01], equal_var=False).pvalue
        #expect(close(etcd?.pValue, 0.0002552167494419246, tolerance: 1e-7))
        #expect(etcd?.verdict == .regression)
        // The per-snapshot means' standard deviation: 0.01.
        #expect(close(etcd?.b?.snapshotMeanSD, 0.01, tolerance: 1e-9))
    }

    @Test("Welch's t-test matches scipy on a textbook sample")
    func welchAgainstScipy() throws {
        let a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
        let b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
        let r = try #require(Significance.welch(a, b))
        // scipy.stats.ttest_ind(b, a, equal_var=False): statistic 2.455356398286006,
        // pvalue 0.021378001462866992, df 24.988529290231416.
        #expect(close(r.t, 2.455356398286006, tolerance: 1e-12))
        #expect(close(r.degreesOfFreedom, 24.988529290231416, tolerance: 1e-12))
        #expect(close(r.p, 0.021378001462866992, tolerance: 1e-10))
    }

    @Test("Student-t CDF and the incomplete beta function match scipy")
    func distributions() {
        // scipy.stats.t.cdf(2.0, 10) and scipy.stats.t.cdf(-1.3, 3.7)
        #expect(close(Significance.studentTCDF(t: 2.0, df: 10), 0.9633059826146299, tolerance: 1e-12))
        #expect(close(Significance.studentTCDF(t: -1.3, df: 3.7), 0.13433336208631375, tolerance: 1e-12))
        // scipy.special.betainc(2.5, 0.5, 0.3)
        #expect(close(Significance.regularizedIncompleteBeta(a: 2.5, b: 0.5, x: 0.3), 0.018927124071945658, tolerance: 1e-12))
        // I_x(1, 1) = x; I_½(a, a) = ½ by symmetry.
        #expect(close(Significance.regularizedIncompleteBeta(a: 1, b: 1, x: 0.37), 0.37))
        #expect(close(Significance.regularizedIncompleteBeta(a: 7.5, b: 7.5, x: 0.5), 0.5))
    }

    @Test("Benjamini-Hochberg adjusted p-values")
    func benjaminiHochberg() {
        // Sorted 0.005, 0.01, 0.03, 0.04 (m = 4): p·m/rank = 0.02, 0.02, 0.04, 0.04, then running
        // minimum from the top: 0.02, 0.02, 0.04, 0.04. Back in input order:
        let q = Significance.benjaminiHochberg([0.01, 0.04, 0.03, 0.005])
        #expect(zip(q, [0.02, 0.04, 0.04, 0.02]).allSatisfy { close($0, $1) })
        #expect(Significance.benjaminiHochberg([0.9, 0.5]) == [0.9, 0.9])
    }

    @Test("The baseline is compared at category and total level, with deltas of B against it")
    func baseline() {
        let a = F.sample("4.6.1", [F.snapshot(id: 1, build: "4.6.1", [F.series("etcd", .controlPlane, .cpu, F.constant(0.4))])])
        let b = F.sample("4.6.8", [F.snapshot(id: 2, build: "4.6.8", [F.series("etcd", .controlPlane, .cpu, F.constant(0.5))])])
        let k3s = F.sample(
            "v1.26.5+k3s1", distribution: "k3s",
            [
                F.snapshot(
                    id: 3, build: "v1.26.5+k3s1", cluster: "edge-k3s-0", distribution: "k3s",
                    [
                        F.series("k3s-server", .controlPlane, .cpu, F.constant(0.1)),
                        F.series("coredns", .networking, .cpu, F.constant(0.01)),
                    ])
            ])
        let c = Comparer.compare(a: a, b: b, baseline: k3s)
        #expect(c.baseline?.build == "v1.26.5+k3s1")
        #expect(c.components.allSatisfy { $0.baseline == nil })
        #expect(!c.components.contains { $0.name == "k3s-server" })
        let cp = c.categories.first { $0.category == .controlPlane }
        // 0.5 cores against the baseline's 0.1: +400 %.
        #expect(close(cp?.deltaPctVsBaseline?.mean, 400))
        // Total: 0.5 against 0.1 + 0.01 = 0.11.
        #expect(close(c.total(.cpu)?.deltaPctVsBaseline?.mean, (0.5 - 0.11) / 0.11 * 100))
        // Networking only in the baseline: no verdict between A and B.
        let net = c.categories.first { $0.category == .networking }
        #expect(net?.verdict == .insufficientData)
        #expect(net?.baseline != nil && net?.a == nil)
    }

    @Test("Data quality gathers partial snapshots, unmapped members, left-out counts, query sets and no-data")
    func dataQuality() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a", partial: true, warnings: ["store unavailable"], querySetHash: "qs1",
                    leftOut: LeftOutCounts(noVersion: 2, multipleVersions: 1, settling: 3, nonFiniteSamples: 5),
                    noData: ["kube_node_info"],
                    [
                        F.series("etcd", .controlPlane, .cpu, F.constant(0.3)),
                        F.series("other", .other, .cpu, F.constant(0.1), members: ["ns-x", "ns-y"]),
                    ])
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 2, build: "b", querySetHash: "qs2", leftOut: LeftOutCounts(nonFiniteSamples: 1),
                    [
                        F.series("etcd", .controlPlane, .cpu, F.constant(0.3)),
                        F.series("other", .other, .cpu, F.constant(0.1), members: ["ns-x"]),
                    ])
            ])
        let c = Comparer.compare(a: a, b: b)
        let dq = c.dataQuality
        #expect(dq.partialSnapshots.map(\.snapshotID) == [1])
        #expect(dq.partialSnapshots.first?.warnings == ["store unavailable"])
        #expect(dq.unmapped.map(\.member) == ["ns-x", "ns-y"])
        #expect(dq.unmapped.first?.builds == ["a", "b"])
        #expect(dq.leftOutSamples == 6)
        #expect(dq.leftOutTimestamps == 6)
        #expect(dq.querySetsDiffer)
        #expect(dq.noData.map(\.query) == ["kube_node_info"])
        #expect(row(c, "etcd")?.flags == [.partial])
        #expect(row(c, "etcd")?.verdict == .unchanged)
        #expect(c.provenance.map(\.snapshotID) == [1, 2])
        #expect(c.provenance.first?.querierURL == "https://thanos-querier.example:9091")
    }

    @Test("The periodic report trends each row over the builds and compares the two newest")
    func periodicModel() {
        let builds = ["4.6.8", "4.6.9", "4.6.10"]
        let samples = builds.enumerated().map { i, build in
            F.sample(
                build,
                [F.snapshot(id: Int64(i + 1), build: build, [F.series("etcd", .controlPlane, .cpu, F.constant(0.1 * Double(i + 1)))])])
        }
        let r = Reporter.periodic(distribution: "ocp", samples: samples, baseline: nil)
        #expect(r.newest == "4.6.10")
        #expect(r.comparison?.a.build == "4.6.9")
        #expect(r.comparison?.b.build == "4.6.10")
        let etcd = r.trends.first { $0.level == .component && $0.name == "etcd" }
        #expect(etcd?.points.map(\.build) == builds)
        #expect(zip(etcd?.points.compactMap { $0.stats?.summary.mean } ?? [], [0.1, 0.2, 0.3]).allSatisfy { close($0, $1) })
    }
}

@Suite("Comparison through a SnapshotStore")
struct CompareStoreTests {
    func input(
        cluster: String, distribution: String = "ocp", build: String, day: Int64, etcd: Double, partial: Bool = false
    ) -> SnapshotInput {
        Fixture.storeInput(cluster: cluster, distribution: distribution, build: build, day: day, etcd: etcd, partial: partial)
    }

    @Test("compare and periodic load pooled snapshots from a real store")
    func throughStore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SnapshotStore(path: dir.appendingPathComponent("snapshots.db").path)
        _ = try store.save([
            input(cluster: "test-cluster-0", build: "4.6.9", day: 0, etcd: 0.30),
            input(cluster: "test-cluster-1", build: "4.6.9", day: 0, etcd: 0.40),
            input(cluster: "test-cluster-0", build: "4.6.10", day: 1, etcd: 0.42),
            input(cluster: "edge-k3s-0", distribution: "k3s", build: "v1.26.5+k3s1", day: 0, etcd: 0.05),
            input(cluster: "edge-k3s-0", distribution: "k3s", build: "v1.27.1+k3s1", day: 1, etcd: 0.06),
        ])
        let c = try Reporter.compare(store: store, a: "4.6.9", b: "4.6.10", baseline: "k3s")
        // A pools both clusters: mean (0.30·4 + 0.40·4) / 8 = 0.35; B 0.42: +20 %.
        let etcd = c.components.first { $0.name == "etcd" && $0.resource == .cpu }
        #expect(abs((etcd?.a?.summary.mean ?? 0) - 0.35) < 1e-12)
        #expect(abs((etcd?.deltaPct?.mean ?? 0) - 20) < 1e-9)
        #expect(etcd?.verdict == .regression)
        #expect(c.a.clusters == ["test-cluster-0", "test-cluster-1"])
        // Newest k3s by version order.
        #expect(c.baseline?.build == "v1.27.1+k3s1")
        let pinned = try Reporter.compare(store: store, a: "4.6.9", b: "4.6.10", baseline: "k3s@v1.26.5+k3s1")
        #expect(pinned.baseline?.build == "v1.26.5+k3s1")

        // The cluster filter narrows A to one snapshot: 0.30 → 0.42 = +40 %.
        let filtered = try Reporter.compare(
            store: store, a: "4.6.9", b: "4.6.10", selection: SnapshotSelection(clusters: ["test-cluster-0"]))
        #expect(abs((filtered.components.first { $0.name == "etcd" && $0.resource == .cpu }?.deltaPct?.mean ?? 0) - 40) < 1e-9)

        // Known builds of every distribution, in version order (v1.26 < 4.6).
        #expect(
            throws: CompareError.unknownBuild(
                name: "4.7.1", known: ["v1.26.5+k3s1", "v1.27.1+k3s1", "4.6.9", "4.6.10"])
        ) {
            try Reporter.compare(store: store, a: "4.7.1", b: "4.6.10")
        }
        #expect(
            CompareError.unknownBuild(name: "4.7.1", known: ["4.6.1", "4.6.8"]).errorDescription?
                .hasPrefix("Build '4.7.1' has no snapshots. Known builds: 4.6.1, 4.6.8") == true)
        #expect(throws: CompareError.noSnapshots(build: "4.6.10")) {
            try Reporter.compare(
                store: store, a: "4.6.9", b: "4.6.10", selection: SnapshotSelection(clusters: ["test-cluster-1"]))
        }

        // Version order puts 4.6.10 after 4.6.9 although "4.6.10" < "4.6.9" as text.
        let report = try Reporter.periodic(store: store, distribution: "ocp", builds: 10, baseline: "k3s")
        #expect(report.builds == ["4.6.9", "4.6.10"])
        #expect(report.comparison?.b.build == "4.6.10")
    }
}

@Suite("Pooling of overlapping snapshots and coverage")
struct PoolingOverlapTests {
    typealias F = Fixture
    static let minute: Int64 = 60_000

    /// A snapshot of build `a` whose grid starts `first` minutes after `Fixture.start`, with
    /// `step` minutes between grid points and one point per value of its first series.
    func snap(
        id: Int64, cluster: String = "c0", first: Int64, step: Int64 = minute, collectedAt: Int64,
        partial: Bool = false, included: [Bool]? = nil, _ series: [ComponentSeries]
    ) -> PooledSnapshot {
        let count = Int64(series.first?.values.count ?? 1)
        let begin = F.start + first * Self.minute
        let mask = GridMask(included ?? [Bool](repeating: true, count: Int(count)))
        return PooledSnapshot(
            info: SnapshotRecord(
                id: id,
                metadata: SnapshotMetadata(
                    cluster: cluster, distribution: "ocp", build: "a", start: begin, end: begin + (count - 1) * step, step: step,
                    partial: partial, collectedAt: F.start + collectedAt),
                includedTimestamps: mask.population, included: mask),
            series: series)
    }

    func side(_ snapshots: [PooledSnapshot]) -> Comparison {
        let a = F.sample("a", snapshots)
        let b = F.sample("b", [F.snapshot(id: 99, build: "b", [F.series("etcd", .controlPlane, .cpu, F.constant(1))])])
        return Comparer.compare(a: a, b: b)
    }

    func component(_ c: Comparison, _ name: String) -> SideStats? {
        c.components.first { $0.name == name && $0.resource == .cpu }?.a
    }

    @Test("Two overlapping snapshots of one cluster count each timestamp once, the newest winning, as one run")
    func overlapCountedOnce() throws {
        // Grid 0…4 (older) and 2…6 (newer), one minute apart. The newer one keeps t = 2…6;
        // the older one keeps only t = 0, 1.
        let older = snap(
            id: 1, first: 0, collectedAt: 1_000,
            [
                F.series("etcd", .controlPlane, .cpu, [1, 2, 3, 4, 5]),
                F.series("apiserver", .controlPlane, .cpu, [10, 10, 10, 10, 10]),
            ])
        let newer = snap(
            id: 2, first: 2, collectedAt: 2_000,
            [
                F.series("etcd", .controlPlane, .cpu, [30, 40, 50, 6, 7]),
                F.series("apiserver", .controlPlane, .cpu, [20, 20, 20, 20, 20]),
            ])
        let c = side([older, newer])
        let etcd = component(c, "etcd")
        // etcd: 1, 2 | 30, 40, 50, 6, 7 → 136 / 7 (double counting would give 148 / 10).
        #expect(etcd?.summary.samples == 7)
        #expect(close(etcd?.summary.mean, 136.0 / 7.0))
        #expect(etcd?.summary.max == 50)
        // Included: older 5 − 3 overlapped = 2, newer 5: 7 expected, 7 samples.
        #expect(etcd?.summary.coverage == 1)
        // The two windows overlap: one run, whose mean is that of the union, 136 / 7.
        #expect(etcd?.snapshots == 1)
        #expect(etcd?.snapshotMeans.count == 1)
        #expect(close(etcd?.snapshotMeans[0], 136.0 / 7.0))
        #expect(c.a.snapshots == 1 && c.a.snapshotIDs == [1, 2])
        // Data quality names the run: the newer snapshot first, all 5 of its points; the older
        // keeps 2 and loses 3 to the newer one's window.
        let overlap = try #require(c.dataQuality.overlaps.first)
        #expect(c.dataQuality.overlaps.count == 1)
        #expect(overlap.cluster == "c0" && overlap.build == "a")
        #expect(overlap.snapshots.map(\.snapshotID) == [2, 1])
        #expect(overlap.snapshots.map(\.counted) == [5, 2])
        #expect(overlap.snapshots.map(\.dropped) == [0, 3])
        #expect(overlap.counted == 7)
        #expect(overlap.text.hasPrefix("c0 a: snapshots #2 (2026-09-21 14:15:20Z – 2026-09-21 14:19:20Z, step 1m) and #1 "))
        #expect(overlap.text.hasSuffix("7 of which count (#2: 5; #1: 2, 3 points covered by #2 left out)"))
        // control-plane per timestamp: 11, 12 | 50, 60, 70, 26, 27 = 256 over 7.
        let cp = c.categories.first { $0.category == .controlPlane && $0.resource == .cpu }?.a
        #expect(cp?.summary.samples == 7)
        #expect(close(cp?.summary.mean, 256.0 / 7.0))
        #expect(cp?.summary.coverage == 1)
        #expect(close(c.total(.cpu)?.a?.summary.mean, 256.0 / 7.0))
        #expect(c.total(.cpu)?.a?.snapshots == 1)
    }

    @Test("Coverage never exceeds 1: an overlap that holds the older snapshot's left-out timestamps is not subtracted twice")
    func coverageAtMostOne() {
        // Older: grid 0…5, t = 0, 1 left out (settling), values at 2…5. Newer: grid 0…3, all
        // counted. The newer one wins t = 0…3; the older keeps t = 4, 5. By hand: samples
        // 4 + 2 = 6; counted timestamps 4 (newer) + 2 (older's counted 2…5 minus 2, 3) = 6.
        // Subtracting the 4 overlapped grid points from the older one's 4 counted ones (0 left)
        // would give 6 samples over 4 expected: coverage 1.5.
        let older = snap(
            id: 1, first: 0, collectedAt: 1_000, included: [false, false, true, true, true, true],
            [F.series("etcd", .controlPlane, .cpu, [.nan, .nan, 1, 1, 1, 1])])
        let newer = snap(id: 2, first: 0, collectedAt: 2_000, [F.series("etcd", .controlPlane, .cpu, [2, 2, 2, 2])])
        let c = side([older, newer])
        let etcd = component(c, "etcd")
        #expect(etcd?.summary.samples == 6)
        #expect(etcd?.summary.coverage == 1)
        #expect(close(etcd?.summary.mean, 10.0 / 6.0))
        #expect(c.total(.cpu)?.a?.summary.coverage == 1)
        // A gap in the older snapshot's kept part lowers coverage below 1, as it should: 5 of 6.
        let gappy = snap(
            id: 1, first: 0, collectedAt: 1_000, included: [false, false, true, true, true, true],
            [F.series("etcd", .controlPlane, .cpu, [.nan, .nan, 1, 1, 1, .nan])])
        #expect(close(component(side([gappy, newer]), "etcd")?.summary.coverage, 5.0 / 6.0))
    }

    @Test("Input order does not matter: the newest snapshot wins wherever it is listed")
    func newestWinsRegardlessOfOrder() {
        let older = snap(id: 1, first: 0, collectedAt: 1_000, [F.series("etcd", .controlPlane, .cpu, [1, 1, 1])])
        let newer = snap(id: 2, first: 0, collectedAt: 2_000, [F.series("etcd", .controlPlane, .cpu, [4, 4, 4])])
        for order in [[older, newer], [newer, older]] {
            let etcd = component(side(order), "etcd")
            // Same grid: the older snapshot keeps nothing and is not a snapshot of the row.
            #expect(etcd?.summary.mean == 4)
            #expect(etcd?.summary.samples == 3)
            #expect(etcd?.snapshots == 1)
            #expect(etcd?.snapshotMeans == [4])
            #expect(etcd?.summary.coverage == 1)
        }
    }

    @Test("A complete snapshot is preferred over a newer partial one at shared timestamps")
    func completeBeforePartial() {
        // Complete, older: grid 0…3 of 1; partial, newer: grid 2…5 of 9. The complete one keeps
        // t = 0…3; the partial one only t = 4, 5.
        let complete = snap(id: 1, first: 0, collectedAt: 1_000, [F.series("etcd", .controlPlane, .cpu, [1, 1, 1, 1])])
        let partial = snap(
            id: 2, first: 2, collectedAt: 5_000, partial: true, [F.series("etcd", .controlPlane, .cpu, [9, 9, 9, 9])])
        let etcd = component(side([partial, complete]), "etcd")
        // 1, 1, 1, 1, 9, 9 → 22 / 6.
        #expect(etcd?.summary.samples == 6)
        #expect(close(etcd?.summary.mean, 22.0 / 6.0))
        // Included: complete 4, partial 4 − 2 = 2.
        #expect(etcd?.summary.coverage == 1)
        #expect(etcd?.partial == true)
    }

    @Test("Different steps overlap by their windows, not only where their points coincide; other clusters never overlap")
    func differentStepsAndClusters() throws {
        // Older: minutes 0, 1, 2, 3, 4. Newer: minutes 2, 3.5, 5 (step 90 s): its window, minutes 2
        // to 5, holds the older one's minutes 2, 3 and 4, though only minute 2 is a point of both.
        let older = snap(id: 1, first: 0, collectedAt: 1_000, [F.series("etcd", .controlPlane, .cpu, [1, 2, 3, 4, 5])])
        let newer = snap(
            id: 2, first: 2, step: 90_000, collectedAt: 2_000, [F.series("etcd", .controlPlane, .cpu, [10, 20, 30])])
        // Same grid as `older` but another cluster: kept whole.
        let other = snap(
            id: 3, cluster: "c1", first: 0, collectedAt: 3_000, [F.series("etcd", .controlPlane, .cpu, [0, 0, 0, 0, 0])])
        let c = side([older, newer, other])
        let etcd = component(c, "etcd")
        // 1, 2 | 10, 20, 30 | 0 × 5 → 63 over 10 samples.
        #expect(etcd?.summary.samples == 10)
        #expect(close(etcd?.summary.mean, 6.3))
        // Included: 5 − 3, 3, 5 = 10.
        #expect(etcd?.summary.coverage == 1)
        // c0's two snapshots are one run (mean 63 / 5), c1's another (0).
        #expect(etcd?.snapshots == 2)
        #expect(etcd.map { $0.snapshotMeans.map { ($0 * 1e9).rounded() / 1e9 } } == [12.6, 0])
        #expect(c.a.snapshots == 2)
        let overlap = try #require(c.dataQuality.overlaps.first)
        #expect(c.dataQuality.overlaps.count == 1)
        #expect(overlap.snapshots.map(\.snapshotID) == [2, 1] && overlap.snapshots.map(\.dropped) == [0, 3])
    }

    @Test("Windows that share only an end point stay two runs; the shared point counts once")
    func adjacentWindows() {
        // Minutes 0…4 and 4…8: minute 4 is in both; the newer one keeps it.
        let first = snap(id: 1, first: 0, collectedAt: 1_000, [F.series("etcd", .controlPlane, .cpu, [1, 1, 1, 1, 1])])
        let second = snap(id: 2, first: 4, collectedAt: 2_000, [F.series("etcd", .controlPlane, .cpu, [3, 3, 3, 3, 3])])
        let c = side([first, second])
        let etcd = component(c, "etcd")
        // 1 × 4 | 3 × 5 → 19 over 9.
        #expect(etcd?.summary.samples == 9)
        #expect(close(etcd?.summary.mean, 19.0 / 9.0))
        #expect(etcd?.snapshots == 2)
        #expect(etcd?.snapshotMeans == [1, 3])
        #expect(c.a.snapshots == 2)
        #expect(c.dataQuality.overlaps.isEmpty)
    }

    @Test("Left-out timestamps of overlapping snapshots count once: the largest of each kind, not the sum")
    func overlapLeftOut() {
        // Both cover the same settle period (30 and 20 timestamps at different steps); the newer
        // one's window also starts earlier, with 100 timestamps of no version.
        var older = snap(id: 1, first: 10, collectedAt: 1_000, [F.series("etcd", .controlPlane, .cpu, [1, 1, 1, 1])])
        older.info.metadata.leftOut = LeftOutCounts(settling: 30, upgrading: 80, nonFiniteSamples: 2)
        var newer = snap(id: 2, first: 0, collectedAt: 2_000, [F.series("etcd", .controlPlane, .cpu, F.constant(2, 20))])
        newer.info.metadata.leftOut = LeftOutCounts(noVersion: 100, settling: 20, upgrading: 80)
        let lone = F.snapshot(
            id: 3, build: "a", cluster: "c9", leftOut: LeftOutCounts(settling: 5), [F.series("etcd", .controlPlane, .cpu, [1])])
        let c = side([older, newer, lone])
        let l = c.dataQuality.leftOut
        // The run: 100, 30, 80 and 2 non-finite samples; c9: 5 settling.
        #expect(l.noVersion == 100 && l.settling == 35 && l.upgrading == 80 && l.nonFiniteSamples == 2)
        #expect(c.dataQuality.overlaps.first?.leftOut == LeftOutCounts(noVersion: 100, settling: 30, upgrading: 80, nonFiniteSamples: 2))
    }

    @Test("Coverage counts only the clusters that have the row")
    func coveragePerClusterOfRow() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a", cluster: "c0",
                    [F.series("etcd", .controlPlane, .cpu, F.constant(1)), F.series("ovn", .networking, .cpu, F.constant(2))]),
                F.snapshot(id: 2, build: "a", cluster: "c1", [F.series("etcd", .controlPlane, .cpu, F.constant(3))]),
            ])
        let c = Comparer.compare(a: a, b: a)
        // ovn exists on c0 only: 4 samples of c0's 4 included timestamps, not of 8.
        #expect(component(c, "ovn")?.summary.coverage == 1)
        #expect(component(c, "ovn")?.summary.samples == 4)
        #expect(c.categories.first { $0.category == .networking }?.a?.summary.coverage == 1)
        #expect(component(c, "etcd")?.summary.coverage == 1)
        #expect(c.total(.cpu)?.a?.summary.coverage == 1)
        #expect(!c.components.contains { $0.flags.contains(.lowCoverage) })

        // A cluster that has the row in one of its snapshots owes it in all of them: c0 has ovn on
        // day 1 but not on day 3, so ovn covers 4 of c0's 4 + 4 = 50 %.
        let gap = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a", cluster: "c0",
                    [F.series("etcd", .controlPlane, .cpu, F.constant(1)), F.series("ovn", .networking, .cpu, F.constant(2))]),
                F.snapshot(id: 2, build: "a", cluster: "c1", [F.series("etcd", .controlPlane, .cpu, F.constant(3))]),
                F.snapshot(id: 3, build: "a", cluster: "c0", [F.series("etcd", .controlPlane, .cpu, F.constant(1))]),
            ])
        let g = Comparer.compare(a: gap, b: gap)
        #expect(component(g, "ovn")?.summary.coverage == 0.5)
        #expect(component(g, "etcd")?.summary.coverage == 1)
    }

    @Test("A partial snapshot marks every row of its side, also the rows it did not feed")
    func partialMarksWholeSide() {
        let a = F.sample(
            "a",
            [
                F.snapshot(
                    id: 1, build: "a", cluster: "c0",
                    [F.series("etcd", .controlPlane, .cpu, F.constant(1)), F.series("ovn", .networking, .cpu, F.constant(2))]),
                F.snapshot(
                    id: 2, build: "a", cluster: "c1", partial: true, [F.series("etcd", .controlPlane, .cpu, F.constant(1))]),
            ])
        let b = F.sample(
            "b",
            [
                F.snapshot(
                    id: 3, build: "b",
                    [F.series("etcd", .controlPlane, .cpu, F.constant(1)), F.series("ovn", .networking, .cpu, F.constant(2))])
            ])
        let c = Comparer.compare(a: a, b: b)
        let ovn = c.components.first { $0.name == "ovn" }
        #expect(ovn?.a?.partial == true)
        #expect(ovn?.b?.partial == false)
        #expect(ovn?.flags == [.partial])
        #expect(c.categories.first { $0.category == .networking }?.flags == [.partial])
        #expect(c.allRows.allSatisfy { $0.a?.partial == true })
    }
}
