/// One series as collected: its labels and a value per grid index.
package struct CollectedSeries: Sendable {
    package var labels: LabelSet
    /// `CollectedSeries.missing` where the server sent no point; may hold NaN or ±Inf as sent.
    package var values: [Double]

    /// Marks "no point at this timestamp", distinct from a NaN the server sent.
    package static let missing = Double(bitPattern: 0x7FF8_DEAD_BEEF_0001)

    @inline(__always)
    package static func isMissing(_ v: Double) -> Bool { v.bitPattern == missing.bitPattern }

    package init(labels: LabelSet, count: Int) {
        self.labels = labels
        values = [Double](repeating: CollectedSeries.missing, count: count)
    }

    package init(labels: LabelSet, values: [Double]) {
        self.labels = labels
        self.values = values
    }
}
