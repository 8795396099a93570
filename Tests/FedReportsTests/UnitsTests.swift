import FedCore
import FedTestHarness
import Testing

@testable import FedReports

@Suite("Percent text")
struct UnitsTests {
    typealias F = Fixture

    @Test("a share is rounded down to a whole percent, or to the decimals asked for")
    func percent() {
        #expect(Units.percent(0.978) == "97 %")
        #expect(Units.percent(0.497) == "49 %")
        #expect(Units.percent(0.5) == "50 %")
        #expect(Units.percent(1) == "100 %")
        #expect(Units.percent(0) == "0 %")
        // 0.29 × 100 is 28.999999999999996 in binary: still 29 %, not 28 %.
        #expect(Units.percent(0.29) == "29 %")
        #expect(Units.percent(0.9) == "90 %")
        // 0.99996 is 99.996 %: one decimal, rounded down, is 99.9 % (never 100.0 %).
        #expect(Units.percent(0.99996, decimals: 1) == "99.9 %")
        #expect(Units.percent(0.875, decimals: 1) == "87.5 %")
        #expect(Units.percent(.nan) == "n/a")
    }

    @Test("a setting in percent reads as it was given")
    func setting() {
        #expect(Units.percentSetting(0.05) == "5 %")
        #expect(Units.percentSetting(0.005) == "0.5 %")
        #expect(Units.percentSetting(0.0225) == "2.25 %")
    }

    @Test("a coverage just under the 50 % needed reads below it, as the tables show it")
    func coverageNote() throws {
        // etcd in A: 497 samples of 1,000 included timestamps = 49.7 % coverage, under the 50 %
        // a verdict needs; B is complete.
        let a = F.sample(
            "a", [F.snapshot(id: 1, build: "a", [F.series("etcd", .controlPlane, .cpu, (0..<1000).map { $0 < 497 ? 0.3 : .nan })])])
        let b = F.sample("b", [F.snapshot(id: 2, build: "b", [F.series("etcd", .controlPlane, .cpu, F.constant(0.6, 1000))])])
        let c = Comparer.compare(a: a, b: b)
        let row = try #require(c.components.first { $0.name == "etcd" && $0.resource == .cpu })
        #expect(row.a?.summary.coverage == 0.497)
        #expect(row.verdict == .insufficientData)
        #expect(row.notes == ["Coverage of A is 49 %, below the 50 % needed for a verdict."])
    }
}
