import FedCore
import FedTestSupport
import Foundation
import Testing

/// CPU that varies over the day: the generator writes the integral of the varying rate, so
/// `rate()` over the counter is the mean of the rate over the span of the samples in the window.
/// Expected values integrate the model's instantaneous rate numerically, second by second, which
/// shares nothing with the closed-form integral the generator writes.
@Suite("CPU variation")
struct CPUVariationTests {
    /// 2026-10-31T00:00:00Z.
    static let start: TimestampMs = 1_793_404_800_000
    static let end: TimestampMs = start + 2 * 3_600_000
    /// Between two scrapes, and inside a noise interval, so both are split.
    static let upgrade: TimestampMs = start + 3_600_000 + 15_000
    /// Noise intervals that are no multiple of the 30 s scrape interval.
    static let before = CPUVariation(dailyAmplitude: 0.4, peakSecondOfDay: 3600, noise: 0.5, noiseInterval: 45_000)
    static let after = CPUVariation(dailyAmplitude: 0.2, peakSecondOfDay: 13 * 3600, noise: 0.1, noiseInterval: 20_000)

    static let scenario: Scenario = {
        let cluster = ScenarioCluster(
            name: "v", distribution: .ocp, builds: [("4.6.1", start), ("4.6.8", upgrade)],
            workloads: [
                ScenarioContainer(
                    namespace: "n", pod: "p", container: "c", image: "example/c:1", node: "node-a",
                    usage: [
                        "4.6.1": ScenarioUsage(cpuCores: 0.3, memoryBytes: 1e8, cpuVariation: before),
                        "4.6.8": ScenarioUsage(cpuCores: 0.6, memoryBytes: 1e8, cpuVariation: after),
                    ]),
                ScenarioContainer(
                    namespace: "n", pod: "p", container: "d", image: "example/d:1", node: "node-a",
                    usage: [
                        "4.6.1": ScenarioUsage(cpuCores: 0.1, memoryBytes: 1e7), "4.6.8": ScenarioUsage(cpuCores: 0.1, memoryBytes: 1e7),
                    ]),
            ],
            hostServices: [
                ScenarioHostService(
                    unit: "kubelet.service", node: "node-a",
                    usage: [
                        "4.6.1": ScenarioUsage(cpuCores: 0.2, memoryBytes: 1e8, cpuVariation: before),
                        "4.6.8": ScenarioUsage(cpuCores: 0.2, memoryBytes: 1e8, cpuVariation: before),
                    ])
            ])
        return Scenario(dataStart: start, dataEnd: end, clusters: [cluster])
    }()

    static var cluster: ScenarioCluster { scenario.clusters[0] }
    static let scrape: TimestampMs = 30_000

    /// The integral of `rate` over `from...to` (whole seconds), by the midpoint of each second.
    /// Every break of the model (noise intervals, the upgrade) falls on a whole second, so the
    /// steps are exact there and only the smooth daily swing is approximated (to about 1e-12).
    static func integral(_ rate: (TimestampMs) -> Double?, from: TimestampMs, to: TimestampMs) -> Double {
        stride(from: from, to: to, by: 1000).reduce(0) { $0 + (rate($1 + 500) ?? 0) }
    }

    /// What `rate(x[5m])` at `t` gives by the model: the mean rate between the first and the last
    /// scrape inside the window. Times here lie between scrapes, so no sample sits on the window's
    /// edge, and the samples reach within one interval of both edges, so Prometheus extrapolates
    /// the slope over the whole window.
    static func expectedRate(_ rate: (TimestampMs) -> Double?, at t: TimestampMs) -> Double {
        let first = (t - 300_000 + scrape - 1) / scrape * scrape
        let last = t / scrape * scrape
        return integral(rate, from: first, to: last) / (Double(last - first) / 1000)
    }

    static func container(_ name: String) -> (TimestampMs) -> Double? {
        let c = cluster.workloads.first { $0.container == name }!
        return { cluster.cpuCores(of: c, at: $0) }
    }

    static func kubelet(_ t: TimestampMs) -> Double? { cluster.cpuCores(of: cluster.hostServices[0], at: t) }

    @Test("The model's closed-form integral equals the integral of its rate, over builds and noise intervals")
    func closedForm() {
        let seed: UInt64 = 42
        let start = Self.start
        for (t1, t2) in [(start, start + 600_000), (start + 7_000, start + 3_599_000), (start - 86_400_000, start + 1_000)] {
            let numeric = Self.integral({ Self.before.rate(base: 0.3, seed: seed, at: $0) }, from: t1, to: t2)
            let closed = Self.before.integral(base: 0.3, seed: seed, from: t1, to: t2)
            #expect(abs(closed - numeric) <= 1e-9 * numeric, "\(t1)…\(t2)")
        }
        // Rates stay between base × (1 − swing − noise) and base × (1 + swing + noise), and vary.
        let rates = stride(from: Self.start, to: Self.end, by: 45_000).map { Self.before.rate(base: 0.3, seed: seed, at: $0) }
        #expect(rates.allSatisfy { $0 >= 0.3 * 0.1 - 1e-12 && $0 <= 0.3 * 1.9 + 1e-12 })
        #expect(Set(rates).count == rates.count)
        // The daily swing peaks at 01:00 UTC: its mean over 00:30–01:30 is above that of 12:30–13:30.
        let night = Self.before.integral(base: 1, seed: seed, from: Self.start + 1_800_000, to: Self.start + 5_400_000)
        let noon = Self.before.integral(base: 1, seed: seed, from: Self.start + 45_000_000, to: Self.start + 48_600_000)
        #expect(night > noon + 0.6 * 3600)
    }

    @Test("rate() of a varying counter is the model's mean rate over the window", .enabled(if: TestBed.shouldRun))
    func rateMatchesModel() async throws {
        let server = try await TestBed.prometheus(for: Self.scenario, name: "cpu-variation")
        let bed = TestBedTests()
        let c = Self.container("c")
        // Inside each build, and with a window across the upgrade (samples of both builds).
        for t in [Self.start + 20 * 60_000 + 7_000, Self.start + 95 * 60_000 + 29_000, Self.upgrade + 120_000 + 1_000] {
            let got = try await bed.instant(server, #"rate(container_cpu_usage_seconds_total{cluster="v",container="c"}[5m])"#, at: t)
            let expected = Self.expectedRate(c, at: t)
            #expect(got.count == 1)
            #expect(abs((got.first?.value ?? 0) - expected) <= 1e-9 * expected, "at \(t)")
        }
        // The pod total holds c, the constant d and the pause container; the node's root cgroup
        // adds kubelet.service, which varies too.
        let t = Self.start + 40 * 60_000 + 11_000
        let d = Self.container("d")
        let podExpected = Self.expectedRate({ (c($0) ?? 0) + (d($0) ?? 0) + ScenarioCluster.pauseCPUCores }, at: t)
        let pod = try await bed.instant(
            server, #"rate(container_cpu_usage_seconds_total{cluster="v",pod="p",container=""}[5m])"#, at: t)
        #expect(abs((pod.first?.value ?? 0) - podExpected) <= 1e-9 * podExpected)
        let rootExpected = podExpected + Self.expectedRate(Self.kubelet, at: t)
        let root = try await bed.instant(server, #"rate(container_cpu_usage_seconds_total{cluster="v",id="/"}[5m])"#, at: t)
        #expect(abs((root.first?.value ?? 0) - rootExpected) <= 1e-9 * rootExpected)
    }

    @Test("A range of rate() follows the model at every step and really varies", .enabled(if: TestBed.shouldRun))
    func rateRange() async throws {
        let server = try await TestBed.prometheus(for: Self.scenario, name: "cpu-variation")
        let c = Self.container("c")
        let first = Self.start + 10 * 60_000 + 13_000
        let last = Self.end - 13_000
        let points = try await TestBedTests().range(
            server, #"rate(container_cpu_usage_seconds_total{cluster="v",container="c"}[5m])"#, start: first, end: last, step: 60)
        #expect(points.count == Int((last - first) / 60_000) + 1)
        for (t, value) in points {
            let expected = Self.expectedRate(c, at: t)
            #expect(abs(value - expected) <= 1e-9 * expected, "at \(t)")
        }
        let values = points.map(\.1)
        #expect((values.max() ?? 0) > 1.2 * (values.min() ?? 0))
    }
}
