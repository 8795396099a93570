import FedCore
import FedTestSupport
import Testing

@testable import FedCollect

/// The aggregator's own per-container summary must be FedCore's `Summary(of:expected:)`, to the bit.
@Suite("Streaming summary")
struct StreamingSummaryTests {
    static func bits(_ s: Summary) -> [UInt64] {
        [s.mean, s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.coverage].map(\.bitPattern) + [UInt64(s.samples)]
    }

    @Test("equals Summary(of:expected:) bit for bit on random finite series")
    func sameAsSummary() {
        var rng = SeededGenerator(seed: 0x5EED_5001)
        var scratch: [Double] = []
        for round in 0..<400 {
            let count = Int.random(in: 0...3000, using: &rng)
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                switch round % 5 {
                case 0: values.append(Double.random(in: 0...0.01, using: &rng))
                case 1: values.append(Double(Int.random(in: -3...3, using: &rng)) * 0.1)  // many ties
                case 2: values.append([0.0, -0.0, 1e-300, -1e300, 5e-324][Int.random(in: 0..<5, using: &rng)])
                case 3:
                    // Mostly zeros of both signs: the order among them decides the sign of min and
                    // of the percentiles.
                    values.append([0.0, -0.0, 0.0, -0.0, 2.5][Int.random(in: 0..<5, using: &rng)])
                default: values.append(Double.random(in: -1e6...1e6, using: &rng))
                }
            }
            let expected = Int.random(in: 0...3000, using: &rng)
            let reference = Summary(of: values, expected: expected)
            var copy = values
            let fast = StreamingAggregator.summary(ofFinite: &copy, expected: expected, scratch: &scratch)
            #expect(reference.map(Self.bits) == fast.map(Self.bits), "seed \(rng.seed), round \(round), \(count) values")
        }
    }

    @Test("the radix sort puts values, and zeros of either sign, where the standard library's stable sort does")
    func sameOrderAsSort() {
        var rng = SeededGenerator(seed: 0x5EED_5002)
        var scratch: [Double] = []
        for round in 0..<200 {
            let count = Int.random(in: 0...5000, using: &rng)
            let values = (0..<count).map { _ -> Double in
                switch round % 3 {
                case 0: [0.0, -0.0, 1.0, -1.0][Int.random(in: 0..<4, using: &rng)]
                case 1:
                    Double(
                        bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng) & ~(0x7FF << 52)
                            | (UInt64.random(in: 0...0x7FE, using: &rng) << 52))
                default: Double.random(in: 0...0.05, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
                }
            }
            var reference = values
            reference.sort()
            var radix = values
            StreamingAggregator.sortFinite(&radix, scratch: &scratch)
            #expect(reference.map(\.bitPattern) == radix.map(\.bitPattern), "seed \(rng.seed), round \(round), \(count) values")
        }
    }
}
