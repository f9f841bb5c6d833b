import Resilience

/// A SplitMix64 generator with a fixed seed, so that every run replays the same traces.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return RandomSource.splitMix64(state)
    }
}
