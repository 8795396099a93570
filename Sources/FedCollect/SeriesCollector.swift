import FedCore
import FedDecode

/// Keeps each series of one query on the window's grid, by timestamp.
///
/// Points are stored by grid index, so a chunk delivered twice (a retry after a partial
/// transfer) leaves the same values, never double counts.
package final class SeriesCollector: SeriesSink {
    package let grid: TimeGrid
    package private(set) var series: [CollectedSeries] = []
    /// Points whose timestamp is not on the grid (a server that does not align to the step).
    package private(set) var offGrid = 0
    private var index: [LabelSet: Int] = [:]
    private var current = -1

    package init(grid: TimeGrid) { self.grid = grid }

    package func beginSeries(labels: LabelSet) {
        if let existing = index[labels] {
            current = existing
        } else {
            current = series.count
            index[labels] = current
            series.append(CollectedSeries(labels: labels, count: grid.count))
        }
    }

    package func point(timestampMs: Int64, value: Double) {
        guard let i = grid.index(of: timestampMs) else {
            offGrid += 1
            return
        }
        series[current].values[i] = value
    }

    package func endSeries() { current = -1 }
}
