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
        let values = try #require(figures.components.first).values
        // By hand: 1 + 10, left out, 3 + 30, left out.
        #expect(values[0] == 11 && values[1].isNaN && values[2] == 33 && values[3].isNaN)
        #expect(figures.nonFiniteSamples == 2)
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
