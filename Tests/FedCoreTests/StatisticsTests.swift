import FedCore
import Testing

@Suite("Statistics")
struct StatisticsTests {
    @Test("percentiles interpolate between closest ranks as quantile_over_time does")
    func quantiles() throws {
        // Values 1..10: rank of p95 = 0.95 × 9 = 8.55 → 9 + 0.55 × (10 − 9) = 9.55, by hand.
        let s = try #require(Summary(of: (1...10).map(Double.init), expected: 10))
        #expect(s.mean == 5.5)
        #expect(s.p50 == 5.5)
        #expect(abs(s.p95 - 9.55) < 1e-12)
        #expect(abs(s.p90 - 9.1) < 1e-12)
        #expect(abs(s.p99 - 9.91) < 1e-12)
        #expect(s.min == 1 && s.max == 10)
        #expect(s.coverage == 1)
    }

    @Test("NaN is no data, and no data is not zero")
    func missing() throws {
        let s = try #require(Summary(of: [2, .nan, 4, .nan], expected: 4))
        #expect(s.samples == 2)
        #expect(s.coverage == 0.5)
        #expect(s.mean == 3)
        #expect(Summary(of: [Double.nan, .nan], expected: 2) == nil)
    }
}
