import FedCore
import Testing

@testable import FedReports

/// The change-point search on series whose answers were worked out by hand and checked with
/// the independent numpy/scipy reference in scripts/trend-reference.py (not run by the tests).
/// Defaults throughout: p_max 0.001 (first pass 0.01), window 50, min_segment 5, threshold 5 %.
@Suite("Change points: E-divisive means")
struct EDivisiveTests {
    /// A wobble that keeps each block of five at its level: the mean of 1, −1, 0.5, −0.5, 0 is 0
    /// and its sample variance (n − 1) over a block of ten is 2·2.5/9 = 5/9.
    static let pattern = [1.0, -1, 0.5, -0.5, 0]
    static func wobble(_ level: Double, _ n: Int, offset: Int = 0) -> [Double] {
        (0..<n).map { level + pattern[($0 + offset) % 5] }
    }

    @Test("a clean step: one change point at the first build of the new level, with its figures")
    func cleanStep() {
        // 100 ± wobble for 10 builds, then 120 ± wobble. By hand: both sides have variance 5/9,
        // so the pooled standard error is √(5/9 · (1/10 + 1/10)) = 1/3 and t = 20 / (1/3) = 60
        // on 18 degrees of freedom: p ≈ 3.47e-22 (scipy: 3.47124e-22). Q̂ peaks at τ = 10
        // (reference: 191.111).
        let series = Self.wobble(100, 10) + Self.wobble(120, 10, offset: 10)
        let found = EDivisive.changePoints(series)
        #expect(found.map(\.index) == [10])
        #expect(found.first?.meanBefore == 100)
        #expect(found.first?.meanAfter == 120)
        #expect(abs((found.first?.relativeChange ?? 0) - 0.2) < 1e-12)
        #expect(abs((found.first?.pValue ?? 1) / 3.47124e-22 - 1) < 1e-4)
        let divergence = EDivisive.Divergence(series, start: 0, end: 20)
        #expect(EDivisive.candidate(0, 20, minSegment: 5, divergence: divergence) == 10)
        #expect(abs(divergence.qHat(0, 10, 20) - 191.111) < 0.001)
    }

    @Test("Q̂ from its definition on a four-value series worked by hand")
    func qHatByHand() {
        // z = 0, 0, 1, 3 split at τ = 2: X = {0, 0}, Y = {1, 3}. Between: |0−1|+|0−3| twice = 8,
        // times 2/(2·2) = 4. Within X: 0. Within Y: |1−3| = 2 over one pair = 2. Q̂ = 2·2/4 · (4 − 0 − 2) = 2.
        let divergence = EDivisive.Divergence([0, 0, 1, 3], start: 0, end: 4)
        #expect(divergence.qHat(0, 2, 4) == 2)
        // Split at τ = 1: X = {0}, Y = {0, 1, 3}: between (0+1+3)·2/3 = 8/3; within Y (0,1)+(0,3)+(1,3)
        // = 1+3+2 = 6 over 3 pairs = 2; Q̂ = 3/4 · (8/3 − 2) = 0.5.
        #expect(abs(divergence.qHat(0, 1, 4) - 0.5) < 1e-12)
    }

    @Test("a ramp of +2 per build over 30 builds is cut into four regimes")
    func ramp() {
        // 100, 102, …, 158. Q̂ is symmetric and peaks in the middle (τ = 15, Q̂ = 290); each
        // half (15 builds) peaks at 7 and 8 alike, and the tie goes to the earlier: 7 and 22.
        // Against their neighbours each step compares 7 or 8 builds with 7 or 8 builds 15 apart
        // in level: p = 2.99556e-05 for all three (scipy), changes +14.15 %, +12.40 %, +11.03 %.
        let series = (0..<30).map { 100 + 2 * Double($0) }
        let found = EDivisive.changePoints(series)
        #expect(found.map(\.index) == [7, 15, 22])
        #expect(found.map(\.meanBefore) == [106, 121, 136])
        #expect(found.map(\.meanAfter) == [121, 136, 151])
        for split in found { #expect(abs(split.pValue / 2.99556e-05 - 1) < 1e-4) }
    }

    @Test("pure noise has no change point")
    func noise() {
        // 100 + 3·wobble + 0.6·((7i mod 11) − 5): no level shift anywhere. The best split of the
        // whole series (τ = 8, Q̂ = 3.33) has p = 0.737, far above the first pass's 0.01.
        let series = (0..<30).map { (i: Int) -> Double in
            let wobble: Double = Self.pattern[i % 5] * 3
            let scatter: Double = Double((i * 7) % 11 - 5) * 0.6
            return 100 + wobble + scatter
        }
        #expect(EDivisive.split(series, p: 0.01, options: .init()) == [])
        #expect(EDivisive.changePoints(series) == [])
    }

    @Test("a single spike is not a change point")
    func spike() {
        // One build at 300 among builds at 100 ± wobble: min_segment keeps the spike from being
        // a regime of its own, and no split with five builds a side separates two levels
        // (best: τ = 13, Q̂ = −0.625, p = 0.477).
        let series = Self.wobble(100, 10) + [300] + Self.wobble(100, 9, offset: 11)
        #expect(EDivisive.changePoints(series) == [])
    }

    @Test("two steps: up at 10, down at 20, each tested against its neighbours")
    func twoSteps() {
        // 100, 120, 90 (ten builds each). The first split is at 20 (Q̂ = 187.8); its left half
        // then splits at 10. Against neighbouring segments: 100 → 120 (t = 60, p 3.47e-22) and
        // 120 → 90 (t = −90, p 2.41e-25).
        let series = Self.wobble(100, 10) + Self.wobble(120, 10, offset: 10) + Self.wobble(90, 10, offset: 20)
        let found = EDivisive.changePoints(series)
        #expect(found.map(\.index) == [10, 20])
        #expect(found.map(\.meanBefore) == [100, 120])
        #expect(found.map(\.meanAfter) == [120, 90])
        #expect(abs(found[1].relativeChange + 0.25) < 1e-12)
    }

    @Test("a weak step found at 10·p_max is merged away when its p stays above p_max")
    func weakStep() {
        // 100 and 110 with a wobble of ±9: pooled variance 81·5/9 = 45, se = √(45·0.2) = 3,
        // t = 10/3 on 18 df: p = 0.0037 (scipy): kept by the first pass (< 0.01), dropped by the
        // merge (≥ 0.001).
        let series = (0..<20).map { ($0 < 10 ? 100.0 : 110) + 9 * Self.pattern[$0 % 5] }
        #expect(EDivisive.split(series, p: 0.01, options: .init()) == [10])
        #expect(abs(EDivisive.tTest(series[0..<10], series[10..<20]) - 0.0036987) < 1e-6)
        #expect(EDivisive.changePoints(series) == [])
    }

    @Test("a significant step below the threshold is dropped; a lower threshold keeps it")
    func smallStep() {
        // 100 → 103: t = 9 on 18 df is highly significant, but +3 % is not above 5 %.
        let series = Self.wobble(100, 10) + Self.wobble(103, 10, offset: 10)
        #expect(EDivisive.split(series, p: 0.01, options: .init()) == [10])
        #expect(EDivisive.changePoints(series) == [])
        #expect(EDivisive.changePoints(series, options: .init(minRelativeChange: 0.02)).map(\.index) == [10])
    }

    @Test("a step past the first window is found by the overlapping windows")
    func longSeries() {
        // 120 builds, +10 % at 80. Windows [0, 50) and [25, 75) see no step; [50, 100) finds it
        // at 80, and the last window starts there: [80, 120).
        let series = Self.wobble(100, 80) + Self.wobble(110, 40, offset: 80)
        let found = EDivisive.changePoints(series)
        #expect(found.map(\.index) == [80])
        #expect(found.first?.meanBefore == 100 && found.first?.meanAfter == 110)
    }

    @Test("too short for two segments: nothing, and p_max decides the first pass")
    func edges() {
        #expect(EDivisive.changePoints([1, 2, 3, 4, 5, 6, 7, 8, 9]) == [])
        #expect(EDivisive.Options(pMax: 0.001).firstPassP == 0.01)
        #expect(EDivisive.Options(pMax: 0.05).firstPassP == 0.05)
        // Neither side varies: the means decide.
        #expect(EDivisive.tTest([1, 1, 1][...], [2, 2][...]) == 0)
        #expect(EDivisive.tTest([1, 1, 1][...], [1, 1][...]) == 1)
        #expect(EDivisive.tTest([1][...], [2][...]) == 1)
    }
}

@Suite("Confidence of a difference of means")
struct ConfidenceTests {
    @Test("Student's t quantiles match scipy.stats.t.ppf")
    func quantiles() {
        // scipy 1.17: stats.t.ppf(p, df).
        let cases: [(Double, Double, Double)] = [
            (0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462), (0.975, 3.5, 2.9400886379827282),
            (0.975, 10, 2.228138851986274), (0.975, 30, 2.0422724563012378), (0.975, 1000, 1.9623390808264083),
            (0.995, 4.2, 4.4577703053188795), (0.025, 7, -2.3646242515927844), (0.6, 2.5, 0.2814595127485477),
        ]
        for (p, df, want) in cases {
            let got = Significance.studentTQuantile(p, df: df)
            #expect(abs(got - want) <= 1e-9 * abs(want), "t(\(p), \(df)) = \(got), scipy \(want)")
        }
        #expect(Significance.studentTQuantile(0.5, df: 3) == 0)
        #expect(Significance.studentTQuantile(1, df: 3).isNaN)
    }

    @Test("Welch's interval: degrees of freedom by hand, bounds as scipy gives them")
    func welchInterval() throws {
        // a = 1, 2; b = 2, 4: means 1.5 and 3, variances 0.5 and 2, se² = 0.25 + 1 = 1.25,
        // df = 1.25² / (0.25²/1 + 1²/1) = 1.5625 / 1.0625 = 1.470588…; scipy's
        // ttest_ind(b, a, equal_var=False).confidence_interval(): (−5.418522830071064, 8.418522830071064).
        let small = try #require(Significance.welchInterval([1, 2], [2, 4]))
        #expect(abs(small.degreesOfFreedom - 1.5625 / 1.0625) < 1e-12)
        #expect(abs(small.low + 5.418522830071064) < 1e-9)
        #expect(abs(small.high - 8.418522830071064) < 1e-9)
        // Per-snapshot means of CPU: scipy gives (0.032682885186612096, 0.07731711481338789), df 4.959183673469389.
        let a = [0.30, 0.32, 0.31]
        let b = [0.36, 0.35, 0.38, 0.37]
        let c = try #require(Confidence(a: a, b: b))
        #expect(abs(c.low - 0.032682885186612096) < 1e-12)
        #expect(abs(c.high - 0.07731711481338789) < 1e-12)
        #expect(abs(c.degreesOfFreedom - 4.959183673469389) < 1e-9)
        // Hedges' g: d = 0.055 / s_pooled = 4.648348401006837, J(5) = Γ(2.5)/(√2.5 Γ(2)) = 0.8407486824596893,
        // g = 3.9080927937601015 (numpy/scipy.special.gamma).
        #expect(abs((c.hedgesG ?? 0) - 3.9080927937601015) < 1e-9)
        #expect(Confidence(a: [0.3], b: b) == nil)
        #expect(Significance.hedgesG([1, 1], [2, 2]) == nil)
    }
}
