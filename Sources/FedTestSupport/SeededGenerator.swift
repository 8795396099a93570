/// A seeded random number generator (SplitMix64) for tests: the same seed gives the same
/// sequence on every machine and run, so a failure found with random inputs repeats. Tests that
/// draw random inputs use it and say the seed in their failure message.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    package let seed: UInt64
    private var state: UInt64

    package init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    package mutating func next() -> UInt64 {
        // SplitMix64: advance by the golden gamma, then mix (ScenarioNoise's output function).
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return ScenarioNoise.splitMix64(state)
    }
}
