/// Summary statistics over the finite values of a series.
///
/// Percentiles follow PromQL's `quantile_over_time`: with the `n` values sorted, the φ-quantile is
/// found at rank `φ·(n−1)` with linear interpolation between the two closest ranks, so any figure
/// can be checked with one PromQL query.
package struct Summary: Codable, Sendable, Equatable {
    package var mean: Double
    package var min: Double
    package var p50: Double
    package var p90: Double
    package var p95: Double
    package var p99: Double
    package var max: Double
    /// Timestamps with data.
    package var samples: Int
    /// Timestamps with data divided by timestamps that should have had data.
    package var coverage: Double

    @usableFromInline
    package init(
        mean: Double, min: Double, p50: Double, p90: Double, p95: Double, p99: Double, max: Double,
        samples: Int, coverage: Double
    ) {
        self.mean = mean
        self.min = min
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
        self.samples = samples
        self.coverage = coverage
    }

    /// The summary of `values` (NaN marks a timestamp without data) where `expected` timestamps
    /// should have had data. Nil when no value is present: "no data" is not zero.
    package init?<C: Collection>(of values: C, expected: Int) where C.Element == Double {
        var present = values.filter { $0.isFinite }
        present.sort()
        self.init(sortedFinite: present, expected: expected)
    }

    /// The summary of finite values already in ascending order (as `sort()` leaves them), where
    /// `expected` timestamps should have had data; nil when there are none.
    ///
    /// The one computation behind `init(of:expected:)` and the per-container summaries of
    /// collect, which sort their own way. Not generic and inlinable: a generic initializer
    /// called from another module runs unspecialised, a metadata look-up and a witness call per
    /// element, which cost collect more than decoding the series.
    @inlinable
    package init?(sortedFinite sorted: [Double], expected: Int) {
        guard let first = sorted.first, let last = sorted.last else { return nil }
        var sum = 0.0
        var compensation = 0.0
        for v in sorted {
            // Kahan summation keeps a day of small CPU rates exact to far below display precision.
            let y = v - compensation
            let t = sum + y
            compensation = (t - sum) - y
            sum = t
        }
        self.init(
            mean: sum / Double(sorted.count), min: first, p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9),
            p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99), max: last, samples: sorted.count,
            coverage: expected > 0 ? Double(sorted.count) / Double(expected) : 0)
    }

    /// The statistic named `name` (`mean`, `min`, `p50`, `p90`, `p95`, `p99`, `max`).
    package func value(_ name: String) -> Double? {
        switch name {
        case "mean": mean
        case "min": min
        case "p50": p50
        case "p90": p90
        case "p95": p95
        case "p99": p99
        case "max": max
        default: nil
        }
    }
}

/// The φ-quantile of sorted finite values, as PromQL's `quantile_over_time` computes it.
@inlinable
package func quantileSorted(_ sorted: [Double], _ phi: Double) -> Double {
    precondition(!sorted.isEmpty)
    if phi < 0 { return -.infinity }
    if phi > 1 { return .infinity }
    let n = Double(sorted.count)
    let rank = phi * (n - 1)
    let lower = Swift.max(0, Int(rank.rounded(.down)))
    let upper = Swift.min(sorted.count - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[lower] * (1 - weight) + sorted[upper] * weight
}
