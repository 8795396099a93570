import FedClient
import FedCore

/// The figures of one resource over one build segment.
public struct SegmentFigures: Sendable {
    public var components: [ComponentSeries]
    public var containers: [ContainerSummary]
    public var nonFiniteSamples: Int
}

/// Folds the series of one query for one cluster into per-component sums as they stream in.
///
/// Each series is attributed to a component when its labels arrive and folded into the
/// component's running sum when it ends; only the series being read is held, so memory does not
/// grow with the number of series. Series that differ only in a replica label count once: a
/// presence bit per (series, timestamp) lets a second replica fill only the timestamps the first
/// one lacked. The same bits make a chunk delivered twice (a retry after a partial transfer)
/// harmless. Drill-down statistics per container are computed per build segment when the
/// series ends; for a window split into several requests, a series arrives in pieces, so its
/// values are kept until `finish()` instead.
public final class StreamingAggregator: SeriesSink {
    public let grid: TimeGrid
    public let resource: Resource
    public let segments: [BuildTimeline.Segment]
    private let map: ComponentMap
    private let replicaLabels: Set<String>
    private let keepSeries: Bool

    /// Per component: the sum at each grid index (NaN = no series had a point there).
    public private(set) var sums: [ComponentRef: [Double]] = [:]
    public private(set) var members: [ComponentRef: Set<String>] = [:]
    /// Non-finite samples left out, per grid index.
    public private(set) var nonFinite: [Int32]
    public private(set) var seriesCount = 0
    /// Points whose timestamp is not on the grid.
    public private(set) var offGrid = 0

    private struct SeriesState {
        var component: ComponentRef
        var labels: LabelSet
        var presence: [UInt64]
        var summarized: Bool
        var values: [Double]?  // kept only for chunked windows
    }
    private var states: [LabelSet: Int] = [:]
    private var stateList: [SeriesState] = []
    /// Drill-down summaries, per segment.
    private var containers: [[ContainerSummary]]

    // The series being read.
    private var current = -1
    private var buffer: [Double]
    private var touchedLow = Int.max
    private var touchedHigh = -1

    public init(
        grid: TimeGrid, resource: Resource, segments: [BuildTimeline.Segment], map: ComponentMap, replicaLabels: [String],
        chunked: Bool
    ) {
        self.grid = grid
        self.resource = resource
        self.segments = segments
        self.map = map
        self.replicaLabels = Set(replicaLabels)
        keepSeries = chunked
        nonFinite = [Int32](repeating: 0, count: grid.count)
        containers = [[ContainerSummary]](repeating: [], count: segments.count)
        buffer = [Double](repeating: CollectedSeries.missing, count: grid.count)
    }

    public func beginSeries(labels: LabelSet) {
        let key = replicaLabels.isEmpty ? labels : labels.removing(replicaLabels)
        if let existing = states[key] {
            current = existing
        } else {
            current = stateList.count
            states[key] = current
            let component = map.classify(key)
            stateList.append(
                SeriesState(
                    component: component, labels: key, presence: [UInt64](repeating: 0, count: (grid.count + 63) / 64),
                    summarized: false, values: nil))
            members[component, default: []].insert(ComponentMap.member(of: key))
            seriesCount += 1
        }
        touchedLow = Int.max
        touchedHigh = -1
    }

    public func point(timestampMs: Int64, value: Double) {
        let offset = timestampMs - grid.start
        guard offset >= 0, offset % grid.step == 0 else {
            offGrid += 1
            return
        }
        let i = Int(offset / grid.step)
        guard i < grid.count else {
            offGrid += 1
            return
        }
        buffer[i] = value
        if i < touchedLow { touchedLow = i }
        if i > touchedHigh { touchedHigh = i }
    }

    public func endSeries() {
        guard current >= 0, touchedHigh >= touchedLow else {
            current = -1
            return
        }
        let component = stateList[current].component
        var sum = sums[component] ?? [Double](repeating: .nan, count: grid.count)
        var fresh = false
        stateList[current].presence.withUnsafeMutableBufferPointer { presence in
            buffer.withUnsafeMutableBufferPointer { values in
                for i in touchedLow...touchedHigh {
                    let v = values[i]
                    if CollectedSeries.isMissing(v) { continue }
                    let word = i >> 6
                    let bit = UInt64(1) << UInt64(i & 63)
                    if presence[word] & bit != 0 {
                        // Another replica (or an earlier delivery of this chunk) already counted it.
                        values[i] = CollectedSeries.missing
                        continue
                    }
                    presence[word] |= bit
                    fresh = true
                    if !v.isFinite {
                        nonFinite[i] += 1
                        continue
                    }
                    sum[i] = sum[i].isNaN ? v : sum[i] + v
                }
            }
        }
        sums[component] = sum
        if keepSeries {
            var kept = stateList[current].values ?? [Double](repeating: CollectedSeries.missing, count: grid.count)
            for i in touchedLow...touchedHigh where !CollectedSeries.isMissing(buffer[i]) { kept[i] = buffer[i] }
            stateList[current].values = kept
        } else if fresh && !stateList[current].summarized {
            stateList[current].summarized = true
            summarize(stateList[current], values: buffer)
        }
        for i in touchedLow...touchedHigh { buffer[i] = CollectedSeries.missing }
        current = -1
    }

    private func summarize(_ state: SeriesState, values: [Double]) {
        for (index, segment) in segments.enumerated() {
            var local: [Double] = []
            local.reserveCapacity(segment.last - segment.first + 1)
            for k in 0...(segment.last - segment.first) where segment.included[k] {
                let v = values[segment.first + k]
                if !CollectedSeries.isMissing(v) && v.isFinite { local.append(v) }
            }
            guard let summary = Summary(of: local, expected: segment.includedCount) else { continue }
            let namespace = state.labels.value("namespace")
            var container = state.labels.value("container")
            if namespace.isEmpty && container.isEmpty { container = ComponentMap.member(of: state.labels) }
            containers[index].append(
                ContainerSummary(
                    namespace: namespace, pod: state.labels.value("pod"), container: container, component: state.component.name,
                    resource: resource, summary: summary))
        }
    }

    /// The figures of one segment: component series over the segment's grid (left-out
    /// timestamps are NaN), container summaries, and non-finite samples left out.
    public func figures(for segmentIndex: Int) -> SegmentFigures {
        if keepSeries {
            for k in stateList.indices where !stateList[k].summarized {
                stateList[k].summarized = true
                if let values = stateList[k].values { summarize(stateList[k], values: values) }
                stateList[k].values = nil
            }
        }
        let segment = segments[segmentIndex]
        let length = segment.last - segment.first + 1
        var components: [ComponentSeries] = []
        for component in sums.keys.sorted() {
            let sum = sums[component]!
            var values = [Double](repeating: .nan, count: length)
            var any = false
            for k in 0..<length where segment.included[k] {
                values[k] = sum[segment.first + k]
                if !values[k].isNaN { any = true }
            }
            guard any else { continue }
            components.append(
                ComponentSeries(component: component, resource: resource, values: values, members: members[component, default: []].sorted())
            )
        }
        var nonFiniteSamples = 0
        for k in 0..<length where segment.included[k] { nonFiniteSamples += Int(nonFinite[segment.first + k]) }
        return SegmentFigures(
            components: components, containers: containers[segmentIndex], nonFiniteSamples: nonFiniteSamples)
    }
}
