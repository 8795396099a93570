import FedCore
import FedDecode

/// The figures of one resource over one build segment.
package struct SegmentFigures: Sendable {
    package var components: [ComponentSeries]
    package var containers: [ContainerSummary]
    /// Samples that stayed non-finite after every replica was heard, at timestamps that count.
    package var nonFiniteSamples: Int
    /// Points at timestamps off the step grid, attributed to the segment by time.
    package var offGridPoints: Int
}

/// Folds the series of one query for one cluster into per-component sums as they stream in.
///
/// Each series is attributed to a component when its labels arrive and folded into the
/// component's running sum when it ends; only the series being read is held, so memory does not
/// grow with the number of series. Series that differ only in a replica label count once: a
/// presence bit per (series, timestamp) marks where a finite value was counted, so a second
/// replica fills exactly the timestamps where the first one sent nothing or NaN. The same bits
/// make a chunk delivered twice (a retry after a partial transfer) harmless. A timestamp where
/// no delivery of a series had a finite value, but one had NaN or ±Inf, leaves the component
/// out there (a sum without that member would be too small) and is counted.
///
/// Drill-down statistics per container are computed per build segment when the series ends.
/// A series that may still be completed by a later delivery — one that carries a replica label,
/// or any series of a window split into several requests — keeps its merged values until
/// `figures(for:)` instead, so the drill-down sees the filled series, not the first delivery.
/// Such series cost 8 bytes a grid point each until then, so memory grows with the number of
/// series in those two cases only: a querier that deduplicates replicas (Thanos with `dedup`,
/// OpenShift's thanos-querier) and windows of one request keep it flat.
package final class StreamingAggregator: SeriesSink {
    package let grid: TimeGrid
    package let resource: Resource
    package let segments: [BuildTimeline.Segment]
    private let map: ComponentMap
    private let replicaLabels: Set<String>
    private let keepSeries: Bool

    /// Per component: the sum at each grid index (NaN = no series had a finite point there).
    package private(set) var sums: [ComponentRef: [Double]] = [:]
    package private(set) var members: [ComponentRef: Set<String>] = [:]
    package private(set) var seriesCount = 0
    /// Points whose timestamp is not on the grid.
    package private(set) var offGrid = 0
    /// Series that carried `exported_` labels (federated with `honor_labels: false`), read by those.
    package private(set) var exportedSeries = 0
    /// Container series without pod labels, by the member name they are listed under.
    package private(set) var containersWithoutPod: Set<String> = []
    /// Off-grid points by the grid index at or before their timestamp (clamped to the grid).
    private var offGridAt: [Int: Int] = [:]

    private struct SeriesState {
        var component: ComponentRef
        var labels: LabelSet
        /// Grid indices where a finite value was counted.
        var presence: [UInt64]
        /// Grid indices where a delivery sent NaN or ±Inf; allocated on the first one.
        var nonFinite: [UInt64]?
        var summarized: Bool
        /// Whether later deliveries may complete the series: its drill-down waits for them.
        var keep: Bool
        var values: [Double]?
    }
    private var states: [LabelSet: Int] = [:]
    private var stateList: [SeriesState] = []
    /// Drill-down summaries, per segment.
    private var containers: [[ContainerSummary]]
    /// Per component: grid indices where a member was left with no finite value, known once
    /// every delivery is in (the first call of `figures(for:)`).
    private var poisoned: [ComponentRef: [UInt64]] = [:]
    private var poisonComputed = false

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

    package init(
        grid: TimeGrid, resource: Resource, segments: [BuildTimeline.Segment], map: ComponentMap, replicaLabels: [String],
        chunked: Bool
    ) {
        self.grid = grid
        self.resource = resource
        self.segments = segments
        self.map = map
        self.replicaLabels = Set(replicaLabels)
        keepSeries = chunked
        containers = [[ContainerSummary]](repeating: [], count: segments.count)
        buffer = [Double](repeating: CollectedSeries.missing, count: grid.count)
        nextTimestamp = grid.start
    }

    package func beginSeries(labels raw: LabelSet) {
        let (labels, exported) = HubLabels.normalize(raw)
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
                    nonFinite: nil, summarized: false, keep: keepSeries || key != raw, values: nil))
            members[component, default: []].insert(ComponentMap.member(of: key))
            seriesCount += 1
            if exported { exportedSeries += 1 }
            if HubLabels.isContainerWithoutPod(key) {
                let id = key.value("id")
                containersWithoutPod.insert(id.isEmpty ? key.value("image") : id)
            }
        }
        // A series cut off mid-way (a dropped connection, retried) never reached endSeries:
        // its points must not pass for this series'.
        if touchedHigh >= touchedLow {
            for i in touchedLow...touchedHigh { buffer[i] = CollectedSeries.missing }
        }
        touchedLow = Int.max
        touchedHigh = -1
    }

    package func point(timestampMs: Int64, value: Double) {
        let i: Int
        if timestampMs == nextTimestamp, nextIndex < grid.count {
            i = nextIndex
        } else {
            let offset = timestampMs - grid.start
            guard offset >= 0, offset % grid.step == 0, offset / grid.step < grid.count else {
                countOffGrid(offset)
                return
            }
            i = Int(offset / grid.step)
        }
        nextTimestamp = timestampMs &+ grid.step
        nextIndex = i + 1
        buffer[i] = value
        if i < touchedLow { touchedLow = i }
        if i > touchedHigh { touchedHigh = i }
    }

    private func countOffGrid(_ offset: Int64) {
        offGrid += 1
        let floor = offset >= 0 ? offset / grid.step : -1
        offGridAt[Int(min(max(floor, 0), Int64(grid.count - 1))), default: 0] += 1
    }

    package func endSeries() {
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
        var nonFiniteHere: [Int] = []
        let missing = CollectedSeries.missing
        let low = touchedLow
        let high = touchedHigh
        stateList[current].presence.withUnsafeMutableBufferPointer { presence in
            buffer.withUnsafeMutableBufferPointer { values in
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
                        fresh = true
                        if !v.isFinite {
                            // Not counted: a later replica may still have a finite value here.
                            nonFiniteHere.append(i)
                            continue
                        }
                        presence[word] |= bit
                        sum[i] = sum[i].isNaN ? v : sum[i] + v
                    }
                }
            }
        }
        if !nonFiniteHere.isEmpty {
            var bits = stateList[current].nonFinite ?? [UInt64](repeating: 0, count: (grid.count + 63) / 64)
            for i in nonFiniteHere { bits[i >> 6] |= UInt64(1) << UInt64(i & 63) }
            stateList[current].nonFinite = bits
        }
        if stateList[current].keep {
            var kept = stateList[current].values ?? [Double](repeating: CollectedSeries.missing, count: grid.count)
            for i in touchedLow...touchedHigh where !CollectedSeries.isMissing(buffer[i]) {
                // A finite value stands; a non-finite one only fills a hole.
                if !kept[i].isFinite { kept[i] = buffer[i] }
            }
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

    /// The figures of one segment: component series over the segment's grid (timestamps that
    /// do not count are NaN; those where a member had no finite value are NaN and left out),
    /// container summaries, non-finite samples left out and off-grid points.
    package func figures(for segmentIndex: Int) -> SegmentFigures {
        if !poisonComputed {
            poisonComputed = true
            for k in stateList.indices {
                if stateList[k].keep && !stateList[k].summarized {
                    stateList[k].summarized = true
                    if let values = stateList[k].values { summarize(stateList[k], values: values) }
                    stateList[k].values = nil
                }
                // Left out where a delivery was non-finite and no delivery had a finite value.
                guard let bad = stateList[k].nonFinite else { continue }
                let presence = stateList[k].presence
                var bits = poisoned[stateList[k].component] ?? [UInt64](repeating: 0, count: presence.count)
                var unfilled = [UInt64](repeating: 0, count: presence.count)
                for w in presence.indices {
                    unfilled[w] = bad[w] & ~presence[w]
                    bits[w] |= unfilled[w]
                }
                stateList[k].nonFinite = unfilled
                poisoned[stateList[k].component] = bits
            }
        }
        let segment = segments[segmentIndex]
        let length = segment.last - segment.first + 1
        func isSet(_ bits: [UInt64], _ i: Int) -> Bool { bits[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0 }
        var components: [ComponentSeries] = []
        for component in sums.keys.sorted() {
            let sum = sums[component]!
            let bits = poisoned[component]
            var values = [Double](repeating: .nan, count: length)
            var leftOut = GridMask(count: length)
            for k in 0..<length where segment.included[k] {
                let i = segment.first + k
                if let bits, isSet(bits, i) {
                    leftOut[k] = true
                } else {
                    values[k] = sum[i]
                }
            }
            let series = ComponentSeries(
                component: component, resource: resource, values: values, leftOut: leftOut,
                members: members[component, default: []].sorted())
            if !series.isEmpty { components.append(series) }
        }
        var nonFiniteSamples = 0
        for state in stateList {
            guard let unfilled = state.nonFinite else { continue }
            for k in 0..<length where segment.included[k] && isSet(unfilled, segment.first + k) { nonFiniteSamples += 1 }
        }
        let offGridPoints = offGridAt.reduce(0) { total, entry in
            // A segment takes the points after the previous segment's last index up to its own
            // last (the left-out timestamps between two segments go to the later one, as the
            // build timeline counts them); the last segment also takes those after it.
            let low = segmentIndex == 0 ? Int.min : segments[segmentIndex - 1].last + 1
            let high = segmentIndex == segments.count - 1 ? Int.max : segment.last
            return total + (low...high ~= entry.key ? entry.value : 0)
        }
        return SegmentFigures(
            components: components, containers: containers[segmentIndex], nonFiniteSamples: nonFiniteSamples,
            offGridPoints: offGridPoints)
    }
}
