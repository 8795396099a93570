import FedCore
import FedDecode

/// Keeps each series of one query on the window's grid, by timestamp.
///
/// Points are stored by grid index, so a chunk delivered twice (a retry after a partial
/// transfer) leaves the same values, never double counts.
public final class SeriesCollector: SeriesSink {
    public let grid: TimeGrid
    public private(set) var series: [CollectedSeries] = []
    /// Points whose timestamp is not on the grid (a server that does not align to the step).
    public private(set) var offGrid = 0
    private var index: [LabelSet: Int] = [:]
    private var current = -1

    public init(grid: TimeGrid) { self.grid = grid }

    public func beginSeries(labels: LabelSet) {
        if let existing = index[labels] {
            current = existing
        } else {
            current = series.count
            index[labels] = current
            series.append(CollectedSeries(labels: labels, count: grid.count))
        }
    }

    public func point(timestampMs: Int64, value: Double) {
        guard let i = grid.index(of: timestampMs) else {
            offGrid += 1
            return
        }
        series[current].values[i] = value
    }

    public func endSeries() { current = -1 }
}
