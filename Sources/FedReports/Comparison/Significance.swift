import Foundation

/// Significance tests across snapshots: Welch's t-test on per-snapshot means, and the
/// Benjamini-Hochberg procedure across the rows of one comparison.
package enum Significance {
    /// The result of a two-sided Welch t-test.
    package struct WelchResult: Sendable, Equatable {
        package var t: Double
        package var degreesOfFreedom: Double
        /// Two-sided p-value.
        package var p: Double
    }

    /// Welch's unequal-variances t-test of `b` against `a` (t > 0 when `b` is larger), two-sided.
    /// Nil with fewer than two values on a side. When both sides have no spread at all the
    /// p-value is 0 if the means differ and 1 if they are equal.
    package static func welch(_ a: [Double], _ b: [Double]) -> WelchResult? {
        guard let w = WelchParts(a, b) else { return nil }
        if w.se2 == 0 {
            let d = w.difference
            return WelchResult(t: d == 0 ? 0 : (d > 0 ? .infinity : -.infinity), degreesOfFreedom: .nan, p: d == 0 ? 1 : 0)
        }
        let t = w.difference / w.se2.squareRoot()
        return WelchResult(t: t, degreesOfFreedom: w.df, p: studentTTwoSidedP(t: t, df: w.df))
    }

    /// What Welch's test and interval share: B's mean minus A's, the squared standard error
    /// and the Welch–Satterthwaite degrees of freedom (NaN when neither side varies).
    struct WelchParts {
        var difference: Double
        var se2: Double
        var df: Double

        init?(_ a: [Double], _ b: [Double]) {
            guard a.count >= 2, b.count >= 2 else { return nil }
            let (ma, va) = meanAndVariance(a)
            let (mb, vb) = meanAndVariance(b)
            let sa = va / Double(a.count)
            let sb = vb / Double(b.count)
            difference = mb - ma
            // Means that differ only in the last bits of their sums are equal: no spread.
            se2 = (sa + sb).squareRoot() <= 1e-12 * Swift.max(abs(ma), abs(mb)) ? 0 : sa + sb
            df = se2 == 0 ? .nan : se2 * se2 / (sa * sa / Double(a.count - 1) + sb * sb / Double(b.count - 1))
        }
    }

    /// Welch's confidence interval of `mean(b) − mean(a)` at `level` (0.95 for 95 %), with the
    /// Welch–Satterthwaite degrees of freedom. Nil with fewer than two values on a side. When
    /// neither side varies, the interval is the difference itself and the degrees of freedom NaN.
    package static func welchInterval(
        _ a: [Double], _ b: [Double], level: Double = 0.95
    )
        -> (low: Double, high: Double, degreesOfFreedom: Double)?
    {
        guard let w = WelchParts(a, b) else { return nil }
        guard w.se2 > 0 else { return (w.difference, w.difference, .nan) }
        let half = studentTQuantile(0.5 + level / 2, df: w.df) * w.se2.squareRoot()
        return (w.difference - half, w.difference + half, w.df)
    }

    /// Hedges' g of `b` against `a`: the difference of the means over the pooled standard
    /// deviation, times the exact small-sample correction J(ν) = Γ(ν/2) / (√(ν/2) Γ((ν−1)/2)),
    /// ν = nₐ + n_b − 2. Nil with fewer than two values on a side or when neither side varies
    /// (beyond the last bits of their sums).
    package static func hedgesG(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let (ma, va) = meanAndVariance(a)
        let (mb, vb) = meanAndVariance(b)
        let nu = Double(a.count + b.count - 2)
        let pooled = ((Double(a.count - 1) * va + Double(b.count - 1) * vb) / nu).squareRoot()
        guard pooled > 1e-12 * Swift.max(abs(ma), abs(mb)) else { return nil }
        let correction = exp(lgamma(nu / 2) - 0.5 * log(nu / 2) - lgamma((nu - 1) / 2))
        return (mb - ma) / pooled * correction
    }

    /// The `p`-quantile of Student's t with `df` degrees of freedom (0 < p < 1): the t with
    /// `studentTCDF(t, df) = p`, found by bisection on the CDF to full double precision.
    package static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p > 0, p < 1, df > 0 else { return .nan }
        if p == 0.5 { return 0 }
        // Symmetric: work on the upper half and flip.
        let upper = Swift.max(p, 1 - p)
        var low = 0.0
        var high = 1.0
        while studentTCDF(t: high, df: df) < upper {
            low = high
            high *= 2
            if high > 1e300 { return p > 0.5 ? .infinity : -.infinity }
        }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if studentTCDF(t: middle, df: df) < upper { low = middle } else { high = middle }
        }
        let t = (low + high) / 2
        return p > 0.5 ? t : -t
    }

    /// Mean and sample variance (n − 1 in the denominator).
    package static func meanAndVariance(_ x: [Double]) -> (mean: Double, variance: Double) {
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        guard x.count > 1 else { return (mean, 0) }
        let ss = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, ss / (n - 1))
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    package static func studentTTwoSidedP(t: Double, df: Double) -> Double {
        guard t.isFinite else { return 0 }
        let x = df / (df + t * t)
        return Swift.min(1, Swift.max(0, regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x)))
    }

    /// The cumulative distribution function of Student's t.
    package static func studentTCDF(t: Double, df: Double) -> Double {
        let tail = 0.5 * studentTTwoSidedP(t: t, df: df)
        return t >= 0 ? 1 - tail : tail
    }

    /// The regularized incomplete beta function I_x(a, b), by the continued fraction of
    /// Numerical Recipes (betai/betacf), using the symmetry relation where it converges faster.
    package static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnPowers - lnBeta
        let front = exp(lnFront)
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - front * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
    }

    /// Lentz's evaluation of the continued fraction for the incomplete beta function.
    static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let maxIterations = 300
        let epsilon = 3e-16
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...maxIterations {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < epsilon { break }
        }
        return h
    }

    /// Benjamini-Hochberg adjusted p-values (q-values) in the order of `p`: a hypothesis is
    /// rejected at false discovery rate α when its adjusted value is ≤ α.
    package static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let i = order[rank - 1]
            running = Swift.min(running, p[i] * Double(m) / Double(rank))
            adjusted[i] = Swift.min(1, running)
        }
        return adjusted
    }
}
