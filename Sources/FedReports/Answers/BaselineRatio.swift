import FedCore
import Foundation

/// How many times the baseline's use a build has: the build's pooled mean over the baseline's,
/// for the platform total and each category both have, per resource. A figure is absent where
/// either side has no value or the baseline's is 0.
package struct BaselineRatio: Sendable, Equatable {
    package var totals: [Resource: Double]
    package var categories: [Category: [Resource: Double]]

    package init(totals: [Resource: Double] = [:], categories: [Category: [Resource: Double]] = [:]) {
        self.totals = totals
        self.categories = categories
    }

    /// `build`'s means over `baseline`'s.
    package init(_ build: SideMeans, against baseline: SideMeans) {
        self.init()
        for (key, base) in baseline.values where key.level != .component && base > 0 {
            guard let value = build[key] else { continue }
            if key.level == .total {
                totals[key.resource] = value / base
            } else if let c = key.category {
                categories[c, default: [:]][key.resource] = value / base
            }
        }
    }

    /// The ratio of row `key` (a total or a category).
    package subscript(key: RowKey) -> Double? {
        key.level == .total ? totals[key.resource] : key.category.flatMap { categories[$0]?[key.resource] }
    }

    package var isEmpty: Bool { totals.isEmpty && categories.isEmpty }

    /// "12.2×"; below 1, two decimals ("0.85×"); "n/a" when not finite.
    package static func text(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "n/a" }
        return String(format: ratio < 1 ? "%.2f×" : "%.1f×", ratio)
    }
}

/// Who the baseline of a trend is, and its means (totals and categories).
package struct BaselineReference: Sendable, Equatable {
    package var build: String
    package var distribution: String
    package var means: SideMeans

    package init(build: String, distribution: String, means: SideMeans) {
        self.build = build
        self.distribution = distribution
        self.means = means
    }

    /// "4.7.0 uses 12.2× k3s's memory, down from 13.4× in 4.6.1": the ratio of `line`'s last
    /// build with a value, against the last build before it with one; nil when no build has a value.
    package func sentence(_ line: TrendLine, builds: [String]) -> String? {
        let present = line.values.indices.filter { line.values[$0] != nil }
        guard let last = present.last, let now = line.values[last] else { return nil }
        let what =
            line.level == .total ? DataQuality.resourceWord(line.resource) : "\(line.name) \(DataQuality.resourceWord(line.resource))"
        var text = "\(builds[last]) uses \(BaselineRatio.text(now)) \(distribution)'s \(what)"
        if present.count > 1, let before = line.values[present[present.count - 2]] {
            let was = BaselineRatio.text(before)
            let word = was == BaselineRatio.text(now) ? "unchanged from" : (now < before ? "down from" : "up from")
            text += ", \(word) \(was) in \(builds[present[present.count - 2]])"
        }
        return text
    }
}
