import Foundation

/// Change points in a series of per-build values: E-divisive means with a Student t-test, as
/// Apache Otava (formerly Hunter) finds them.
///
/// References:
/// - D. S. Matteson and N. A. James, "A Nonparametric Approach for Multiple Change Point Analysis
///   of Multivariate Data", Journal of the American Statistical Association 109 (2014) 334–345:
///   the divergence Q̂ and the divisive search.
/// - M. Fleming, P. Kołaczkowski, I. Kumar, S. Das, S. Chatterjee, T. Fenn, M. Ingo,
///   "Hunter: Using Change Point Detection to Hunt for Performance Regressions", ICPE 2023,
///   arXiv:2301.03034: the t-test in place of the permutation test, the windows, the weak first
///   pass and the merge.
///
/// The steps, for a series `z` of `n` values:
/// 1. **Divergence.** For a split at τ of an interval `[s, e)`, with `X = z[s..<τ]` (m values) and
///    `Y = z[τ..<e]` (k values), α = 1:
///    `Q̂(τ) = m·k/(m+k) · ( 2/(m·k) Σ|Xᵢ−Yⱼ| − 2/(m(m−1)) Σ_{i<j}|Xᵢ−Xⱼ| − 2/(k(k−1)) Σ_{i<j}|Yᵢ−Yⱼ| )`.
///    The candidate of the interval is the τ of largest Q̂ with at least `minSegment` values on
///    each side (ties go to the earliest τ).
/// 2. **Test.** The candidate is kept when a two-sided Student t-test with pooled variance between
///    `X` and `Y` gives p below the pass's threshold; then both halves are split the same way.
/// 3. **Windows.** The series is searched in windows of `window` values, each starting half a
///    window after the last (or at the last change point it found, when that is later), so that
///    the cost stays linear in `n` and early changes are not hidden by later ones.
/// 4. **Weak pass, then merge.** The search runs at 10·`pMax` (when `pMax` < 0.05) to collect
///    weak change points as well. Then every change point is tested against the values up to its
///    neighbouring change points (or the series' ends), and the weakest (the largest p-value
///    while any is at or above `pMax`, else the smallest relative change while any is at or below
///    `minRelativeChange`) is dropped, until every one left passes both.
package enum EDivisive {
    /// The settings of a search; the defaults are those of `trend:` in the configuration.
    package struct Options: Sendable, Equatable {
        /// The largest p-value a reported change point may have.
        package var pMax: Double
        /// Values per window of the search.
        package var window: Int
        /// Values needed on each side of a change point.
        package var minSegment: Int
        /// The relative change of the mean a reported change point must exceed (0.05 = 5 %).
        package var minRelativeChange: Double

        package init(pMax: Double = 0.001, window: Int = 50, minSegment: Int = 5, minRelativeChange: Double = 0.05) {
            self.pMax = pMax
            self.window = window
            self.minSegment = minSegment
            self.minRelativeChange = minRelativeChange
        }

        /// The threshold of the first pass: 10·`pMax` when `pMax` < 0.05, else `pMax`.
        package var firstPassP: Double { pMax < 0.05 ? pMax * 10 : pMax }
    }

    /// One change point: the index of the first value of the new regime and how it differs from
    /// the values before it (each side bounded by the neighbouring change points).
    package struct Split: Sendable, Equatable {
        package var index: Int
        package var meanBefore: Double
        package var meanAfter: Double
        /// The two-sided p-value of the pooled-variance t-test between the two sides.
        package var pValue: Double

        /// `meanAfter / meanBefore − 1`; infinite when the mean before is 0 and the mean after is not.
        package var relativeChange: Double {
            if meanBefore == 0 { return meanAfter == 0 ? 0 : (meanAfter > 0 ? .infinity : -.infinity) }
            return meanAfter / meanBefore - 1
        }
    }

    /// The change points of `series` (finite values, in build order), by index, ascending.
    package static func changePoints(_ series: [Double], options: Options = .init()) -> [Split] {
        let candidates = split(series, p: options.firstPassP, options: options)
        return merge(candidates, series: series, options: options)
    }

    /// The first pass: the indices the windowed search keeps at threshold `p`, ascending.
    static func split(_ series: [Double], p: Double, options: Options) -> [Int] {
        let n = series.count
        let window = max(options.window, 2 * max(options.minSegment, 1))
        guard n >= 2 * max(options.minSegment, 1) else { return [] }
        var found = Set<Int>()
        var start = 0
        while true {
            let end = min(start + window, n)
            let divergence = Divergence(series, start: start, end: end)
            var new: [Int] = []
            bisect(series, start, end, p: p, options: options, divergence: divergence, into: &new)
            found.formUnion(new)
            if end == n { break }
            start = max(start + window / 2, new.max() ?? 0)
        }
        return found.sorted()
    }

    /// Splits `[start, end)` at its candidate when the t-test keeps it, then both halves.
    static func bisect(
        _ series: [Double], _ start: Int, _ end: Int, p: Double, options: Options, divergence: Divergence, into found: inout [Int]
    ) {
        guard let tau = candidate(start, end, minSegment: options.minSegment, divergence: divergence) else { return }
        guard tTest(series[start..<tau], series[tau..<end]) < p else { return }
        found.append(tau)
        bisect(series, start, tau, p: p, options: options, divergence: divergence, into: &found)
        bisect(series, tau, end, p: p, options: options, divergence: divergence, into: &found)
    }

    /// The τ of largest Q̂ in `[start, end)` with `minSegment` values on each side; the earliest
    /// when several are equal up to rounding. Nil when the interval is too short.
    static func candidate(_ start: Int, _ end: Int, minSegment: Int, divergence: Divergence) -> Int? {
        let low = start + max(minSegment, 1)
        let high = end - max(minSegment, 1)
        guard low <= high else { return nil }
        var best: (tau: Int, q: Double)?
        for tau in low...high {
            let q = divergence.qHat(start, tau, end)
            guard let current = best else {
                best = (tau, q)
                continue
            }
            // Sums taken in another order differ in the last bits: such a tie is a tie.
            if q > current.q + 1e-12 * max(abs(current.q), 1) { best = (tau, q) }
        }
        return best?.tau
    }

    /// Drops the weakest change point until every one left has p < `pMax` and a relative change
    /// above `minRelativeChange`, each tested against its neighbouring segments.
    static func merge(_ indices: [Int], series: [Double], options: Options) -> [Split] {
        var points = indices
        while !points.isEmpty {
            let described = describe(points, series: series)
            var weakest = described.indices.max { described[$0].pValue < described[$1].pValue }!
            if described[weakest].pValue < options.pMax {
                weakest = described.indices.min { abs(described[$0].relativeChange) < abs(described[$1].relativeChange) }!
                if abs(described[weakest].relativeChange) > options.minRelativeChange { return described }
            }
            points.remove(at: weakest)
        }
        return []
    }

    /// Each change point of `indices` (ascending) against the values up to its neighbours.
    static func describe(_ indices: [Int], series: [Double]) -> [Split] {
        let bounds = [0] + indices + [series.count]
        return indices.enumerated().map { k, index in
            let before = series[bounds[k]..<index]
            let after = series[index..<bounds[k + 2]]
            return Split(index: index, meanBefore: mean(before), meanAfter: mean(after), pValue: tTest(before, after))
        }
    }

    static func mean(_ x: ArraySlice<Double>) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    /// The two-sided p-value of Student's t-test with pooled variance between `a` and `b`; 1 with
    /// fewer than three values in all. When neither side varies, 0 if the means differ, else 1.
    package static func tTest(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        guard !a.isEmpty, !b.isEmpty, a.count + b.count > 2 else { return 1 }
        let (ma, va) = Significance.meanAndVariance(Array(a))
        let (mb, vb) = Significance.meanAndVariance(Array(b))
        let df = Double(a.count + b.count - 2)
        let pooled = (Double(a.count - 1) * va + Double(b.count - 1) * vb) / df
        let se = (pooled * (1 / Double(a.count) + 1 / Double(b.count))).squareRoot()
        guard se > 0 else { return ma == mb ? 1 : 0 }
        return Significance.studentTTwoSidedP(t: (mb - ma) / se, df: df)
    }

    /// The sums of distances behind Q̂ for the intervals of one window, from a 2-D prefix sum of
    /// |zᵢ − zⱼ|, so that each Q̂ costs O(1) after O(w²) set-up.
    struct Divergence {
        let origin: Int
        let size: Int
        /// prefix[(i)·(size+1) + j] = Σ_{i' < i, j' < j} |z[origin+i'] − z[origin+j']|.
        var prefix: [Double]

        init(_ series: [Double], start: Int, end: Int) {
            origin = start
            size = end - start
            let stride = size + 1
            prefix = [Double](repeating: 0, count: stride * stride)
            for i in 0..<size {
                var row = 0.0
                for j in 0..<size {
                    row += abs(series[start + i] - series[start + j])
                    prefix[(i + 1) * stride + j + 1] = prefix[i * stride + j + 1] + row
                }
            }
        }

        /// Σ |zᵢ − zⱼ| over i in [r0, r1), j in [c0, c1) (series indices).
        func block(_ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) -> Double {
            let stride = size + 1
            let (a, b, c, d) = (r0 - origin, r1 - origin, c0 - origin, c1 - origin)
            return prefix[b * stride + d] - prefix[a * stride + d] - prefix[b * stride + c] + prefix[a * stride + c]
        }

        /// Q̂ of splitting `[start, end)` at `tau`, α = 1.
        func qHat(_ start: Int, _ tau: Int, _ end: Int) -> Double {
            let m = Double(tau - start)
            let k = Double(end - tau)
            let between = block(start, tau, tau, end) * 2 / (m * k)
            // Each unordered pair appears twice in a square block.
            let withinX = m > 1 ? block(start, tau, start, tau) / (m * (m - 1)) : 0
            let withinY = k > 1 ? block(tau, end, tau, end) / (k * (k - 1)) : 0
            return m * k / (m + k) * (between - withinX - withinY)
        }
    }
}
