import FedCore
import FedDecode

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
    /// Per component: timestamps where one of its series sent NaN or ±Inf (bit per grid index).
    private var poisoned: [ComponentRef: [UInt64]] = [:]
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

    // The series being read. `buffer` is written once per point; nothing but these methods
    // touches it and they never call each other while holding it, so the run-time exclusivity
    // check on each write (a tenth of the decode) buys nothing.
    private var current = -1
    @exclusivity(unchecked) private var buffer: [Double]
    private var touchedLow = Int.max
    private var touchedHigh = -1
    // Points arrive in time order, one step apart: the grid index of the timestamp one step
    // after the last point saves two divisions per point.
    private var nextTimestamp: Int64
    private var nextIndex = 0
    private var sortScratch: [Double] = []

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
        nextTimestamp = grid.start
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
        // A series cut off mid-way (a dropped connection, retried) never reached endSeries:
        // its points must not pass for this series'.
        if touchedHigh >= touchedLow {
            for i in touchedLow...touchedHigh { buffer[i] = CollectedSeries.missing }
        }
        touchedLow = Int.max
        touchedHigh = -1
    }

    public func point(timestampMs: Int64, value: Double) {
        let i: Int
        if timestampMs == nextTimestamp, nextIndex < grid.count {
            i = nextIndex
        } else {
            let offset = timestampMs - grid.start
            guard offset >= 0, offset % grid.step == 0 else {
                offGrid += 1
                return
            }
            let k = offset / grid.step
            guard k < grid.count else {
                offGrid += 1
                return
            }
            i = Int(k)
        }
        nextTimestamp = timestampMs &+ grid.step
        nextIndex = i + 1
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
        // The component's sums are changed in place: a copy taken out of the dictionary would
        // copy all of them on the first write.
        let sumIndex: Dictionary<ComponentRef, [Double]>.Index
        if let existing = sums.index(forKey: component) {
            sumIndex = existing
        } else {
            sums[component] = [Double](repeating: .nan, count: grid.count)
            sumIndex = sums.index(forKey: component)!
        }
        var fresh = false
        var poisonedHere: [Int] = []
        let missing = CollectedSeries.missing
        let low = touchedLow
        let high = touchedHigh
        stateList[current].presence.withUnsafeMutableBufferPointer { presence in
            buffer.withUnsafeMutableBufferPointer { values in
                nonFinite.withUnsafeMutableBufferPointer { nonFinite in
                    sums.values[sumIndex].withUnsafeMutableBufferPointer { sum in
                        for i in low...high {
                            let v = values[i]
                            if v.bitPattern == missing.bitPattern { continue }
                            let word = i >> 6
                            let bit = UInt64(1) << UInt64(i & 63)
                            if presence[word] & bit != 0 {
                                // Another replica (or an earlier delivery of this chunk) already counted it.
                                values[i] = missing
                                continue
                            }
                            presence[word] |= bit
                            fresh = true
                            if !v.isFinite {
                                nonFinite[i] += 1
                                poisonedHere.append(i)
                                continue
                            }
                            sum[i] = sum[i].isNaN ? v : sum[i] + v
                        }
                    }
                }
            }
        }
        if !poisonedHere.isEmpty {
            // The component's sum at those timestamps lacks a member: leave the timestamp out
            // for the component (and count it) rather than report a sum that is too small.
            var bits = poisoned[component] ?? [UInt64](repeating: 0, count: (grid.count + 63) / 64)
            for i in poisonedHere { bits[i >> 6] |= UInt64(1) << UInt64(i & 63) }
            poisoned[component] = bits
        }
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
        let missing = CollectedSeries.missing
        for (index, segment) in segments.enumerated() {
            var local: [Double] = []
            local.reserveCapacity(segment.last - segment.first + 1)
            for k in 0...(segment.last - segment.first) where segment.included[k] {
                let v = values[segment.first + k]
                if v.bitPattern != missing.bitPattern && v.isFinite { local.append(v) }
            }
            guard let summary = Self.summary(ofFinite: &local, expected: segment.includedCount, scratch: &sortScratch) else {
                continue
            }
            let namespace = state.labels.value("namespace")
            var container = state.labels.value("container")
            if namespace.isEmpty && container.isEmpty { container = ComponentMap.member(of: state.labels) }
            containers[index].append(
                ContainerSummary(
                    namespace: namespace, pod: state.labels.value("pod"), container: container, component: state.component.name,
                    resource: resource, summary: summary))
        }
    }

    /// `Summary(of: values, expected:)` for values that are all finite: sorted here by
    /// `sortFinite` (the order `sort()` gives), then summarised by FedCore's one implementation.
    static func summary(ofFinite values: inout [Double], expected: Int, scratch: inout [Double]) -> Summary? {
        guard !values.isEmpty else { return nil }
        sortFinite(&values, scratch: &scratch)
        return Summary(sortedFinite: values, expected: expected)
    }

    /// Sorts finite doubles into the order `sort()` gives. That sort is stable: equal values
    /// keep their order, and the only equal values that can be told apart are 0.0 and -0.0. A
    /// least-significant-digit radix sort on an order-preserving image of the bits is stable
    /// too, and keying -0.0 as 0.0 ties them the same way; for a day of samples it takes a
    /// few branch-free passes where the merge sort took about 12 mispredicted comparisons each.
    static func sortFinite(_ values: inout [Double], scratch: inout [Double]) {
        let n = values.count
        guard n > 256 else {
            values.sort()
            return
        }
        if scratch.count < n { scratch = [Double](repeating: 0, count: n) }
        @inline(__always) func key(_ v: Double) -> UInt64 {
            let bits = v.bitPattern
            if bits == 0x8000_0000_0000_0000 { return 0x8000_0000_0000_0000 }  // -0.0 ties with 0.0
            return bits >> 63 != 0 ? ~bits : bits | 0x8000_0000_0000_0000
        }
        var counts = [Int](repeating: 0, count: 8 * 256)
        values.withUnsafeMutableBufferPointer { a in
            scratch.withUnsafeMutableBufferPointer { b in
                counts.withUnsafeMutableBufferPointer { c in
                    for v in a {
                        let k = key(v)
                        for pass in 0..<8 { c[pass &* 256 &+ Int(truncatingIfNeeded: (k >> UInt64(8 &* pass)) & 0xFF)] &+= 1 }
                    }
                    var source = a.baseAddress!
                    var target = b.baseAddress!
                    var inScratch = false
                    for pass in 0..<8 {
                        let shift = UInt64(8 &* pass)
                        let row = c.baseAddress! + pass &* 256
                        // A digit every value shares orders nothing.
                        if row[Int(truncatingIfNeeded: (key(source[0]) >> shift) & 0xFF)] == n { continue }
                        var offset = 0
                        for digit in 0..<256 {
                            let count = row[digit]
                            row[digit] = offset
                            offset &+= count
                        }
                        for i in 0..<n {
                            let v = source[i]
                            let digit = Int(truncatingIfNeeded: (key(v) >> shift) & 0xFF)
                            target[row[digit]] = v
                            row[digit] &+= 1
                        }
                        swap(&source, &target)
                        inScratch.toggle()
                    }
                    if inScratch { a.baseAddress!.update(from: b.baseAddress!, count: n) }
                }
            }
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
            let bits = poisoned[component]
            var values = [Double](repeating: .nan, count: length)
            var any = false
            for k in 0..<length where segment.included[k] {
                let i = segment.first + k
                if let bits, bits[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0 { continue }
                values[k] = sum[i]
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
