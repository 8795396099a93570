import FedCore
import Testing

@Suite("Durations")
struct DurationTests {
    @Test func parsing() {
        #expect(PromDuration.parse("30s")?.milliseconds == 30_000)
        #expect(PromDuration.parse("1h30m")?.milliseconds == 5_400_000)
        #expect(PromDuration.parse("100ms")?.milliseconds == 100)
        #expect(PromDuration.parse("2d")?.milliseconds == 172_800_000)
        #expect(PromDuration.parse("1m30s500ms")?.milliseconds == 90_500)
        for bad in ["", "30", "s", "30x", "1s1h", "1m1m", "-5m", "99999999999999999999s"] {
            #expect(PromDuration.parse(bad) == nil, "\(bad)")
        }
        #expect(PromDuration(milliseconds: 5_400_000).description == "1h30m")
        #expect(PromDuration(milliseconds: 86_400_000).description == "1d")
    }
}
