import FedCollect
import FedCore
import FedDecode
import Testing

@Suite("Streaming aggregator")
struct AggregatorTests {
    let grid = TimeGrid(start: 0, step: 1000, count: 4)
    let map = try! ComponentMap.parse(
        yaml: """
            distribution: test
            components:
              - {name: etcd, category: control-plane, match: '{namespace="openshift-etcd"}'}
            """, source: "inline")

    func aggregator() -> StreamingAggregator {
        StreamingAggregator(
            grid: grid, resource: .memory, segments: BuildTimeline(grid: grid, pinned: "v").segments, map: map,
            replicaLabels: ["prometheus_replica"], chunked: false)
    }

    func etcd(_ pod: String) -> LabelSet { LabelSet(["namespace": "openshift-etcd", "pod": pod, "container": "etcd"]) }

    @Test("a NaN from one member leaves the component's timestamp out instead of under-counting it")
    func poisoned() throws {
        let a = aggregator()
        a.beginSeries(labels: etcd("a"))
        for (t, v) in [(0, 1.0), (1000, 2.0), (2000, 3.0), (3000, 4.0)] { a.point(timestampMs: Int64(t), value: v) }
        a.endSeries()
        a.beginSeries(labels: etcd("b"))
        for (t, v) in [(0, 10.0), (1000, .nan), (2000, 30.0), (3000, .infinity)] { a.point(timestampMs: Int64(t), value: v) }
        a.endSeries()
        let figures = a.figures(for: 0)
        let component = try #require(figures.components.first)
        let values = component.values
        // By hand: 1 + 10, left out, 3 + 30, left out — marked as left out, not as no value.
        #expect(values[0] == 11 && values[1].isNaN && values[2] == 33 && values[3].isNaN)
        #expect(component.leftOut.indices == [1, 3])
        #expect(figures.nonFiniteSamples == 2)
    }

    @Test("a component whose members are NaN at every timestamp is still there, left out throughout")
    func leftOutThroughout() throws {
        let a = aggregator()
        a.beginSeries(labels: etcd("a"))
        for t in 0..<4 { a.point(timestampMs: Int64(t) * 1000, value: .nan) }
        a.endSeries()
        let component = try #require(a.figures(for: 0).components.first)
        #expect(component.values.allSatisfy { $0.isNaN })
        #expect(component.leftOut.population == 4)
    }

    @Test("a healthy replica fills the timestamps where the first sent NaN or nothing, also in the drill-down")
    func replicaFillsNaN() throws {
        let a = aggregator()
        // Replica 0 (listed first): NaN at t1, nothing at t2. Replica 1: whole, NaN at t3 where
        // replica 0 has a value.
        let deliveries: [(String, [(Int64, Double)])] = [
            ("prometheus-k8s-0", [(0, 5), (1000, .nan), (3000, 8)]),
            ("prometheus-k8s-1", [(0, 5), (1000, 6), (2000, 7), (3000, .nan)]),
        ]
        for (replica, points) in deliveries {
            var labels = etcd("a").dictionary
            labels["prometheus_replica"] = replica
            a.beginSeries(labels: LabelSet(labels))
            for (t, v) in points { a.point(timestampMs: t, value: v) }
            a.endSeries()
        }
        let figures = a.figures(for: 0)
        let component = try #require(figures.components.first)
        // By hand: 5, 6 (filled), 7 (filled), 8 (replica 0's value stands).
        #expect(component.values == [5, 6, 7, 8])
        #expect(component.leftOut.isEmpty)
        #expect(figures.nonFiniteSamples == 0)
        // The drill-down sees the filled series: 4 samples, mean 26 / 4.
        let container = try #require(figures.containers.first)
        #expect(container.summary.samples == 4)
        #expect(container.summary.mean == 6.5)
        #expect(figures.containers.count == 1)
    }

    @Test("off-grid points go to the segment whose span, or the gap before it, holds them")
    func offGridBySegment() throws {
        // 10 points; 4.6.1 at 0…3, 4.6.8 from 4, settle 2 steps: segment two is 6…9 and the
        // settle gap 4…5 belongs to it, as the timeline counts it.
        let grid = TimeGrid(start: 0, step: 1000, count: 10)
        let versions: [Set<String>] = (0..<10).map { $0 < 4 ? ["4.6.1"] : ["4.6.8"] }
        let segments = BuildTimeline(grid: grid, versions: versions, settle: PromDuration(milliseconds: 2000)).segments
        #expect(segments.map(\.first) == [0, 6])
        let a = StreamingAggregator(
            grid: grid, resource: .memory, segments: segments, map: map, replicaLabels: [], chunked: false)
        a.beginSeries(labels: etcd("a"))
        // Off-grid at 1.5 (first), 4.5 (the gap: second), 8.5 and 20 (after the grid: second),
        // and -3 (before the grid: first).
        for t: Int64 in [-3000, 0, 1500, 4500, 8500, 20_000] { a.point(timestampMs: t, value: 1) }
        a.endSeries()
        #expect(a.figures(for: 0).offGridPoints == 2)
        #expect(a.figures(for: 1).offGridPoints == 3)
        #expect(a.offGrid == 5)
    }

    @Test("points off the step grid are counted, by the segment they fall in")
    func offGrid() throws {
        let a = aggregator()
        a.beginSeries(labels: etcd("a"))
        for t: Int64 in [500, 1500, 2000, 9000] { a.point(timestampMs: t, value: 1) }
        a.endSeries()
        let figures = a.figures(for: 0)
        #expect(figures.offGridPoints == 3)
        #expect(a.offGrid == 3)
        #expect(figures.components.first?.values.filter(\.isFinite).count == 1)
    }

    @Test("a series cut off mid-way does not lend its points to the next one")
    func cutOff() throws {
        let a = aggregator()
        a.beginSeries(labels: etcd("a"))
        a.point(timestampMs: 0, value: 5)
        a.point(timestampMs: 1000, value: 6)
        // The connection dropped here; the retried answer starts over with another series.
        a.beginSeries(labels: etcd("b"))
        a.point(timestampMs: 3000, value: 7)
        a.endSeries()
        let values = try #require(a.figures(for: 0).components.first).values
        #expect(values[0].isNaN && values[1].isNaN && values[2].isNaN && values[3] == 7)
    }

    @Test("replicas count once; a second delivery of the same series changes nothing")
    func replicas() throws {
        let a = aggregator()
        for replica in ["prometheus-k8s-0", "prometheus-k8s-1", "prometheus-k8s-0"] {
            var labels = etcd("a").dictionary
            labels["prometheus_replica"] = replica
            a.beginSeries(labels: LabelSet(labels))
            for t in 0..<4 { a.point(timestampMs: Int64(t) * 1000, value: 2) }
            a.endSeries()
        }
        let values = try #require(a.figures(for: 0).components.first).values
        #expect(values == [2, 2, 2, 2])
    }
}
