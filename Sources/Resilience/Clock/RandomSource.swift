import Synchronization

/// A shareable source of random numbers for jitter and load balancing.
///
/// Policies default to ``system``; tests pass ``seeded(_:)`` and get the same sequence every run.
public struct RandomSource: Sendable {
    private let nextValue: @Sendable () -> UInt64

    /// A source that returns `next()` for each draw.
    public init(_ next: @escaping @Sendable () -> UInt64) {
        self.nextValue = next
    }

    /// The operating system's generator.
    public static let system = RandomSource {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }

    /// A deterministic SplitMix64 sequence starting from `seed`.
    public static func seeded(_ seed: UInt64) -> RandomSource {
        let state = Mutex(seed)
        return RandomSource {
            state.withLock { value in
                defer { value &+= 0x9E37_79B9_7F4A_7C15 }
                return splitMix64(value)
            }
        }
    }

    /// The SplitMix64 output for `state`: the next value of a sequence whose state advances by the
    /// golden-ratio increment. Pure, so a lock-free counter can drive it.
    @inlinable
    public static func splitMix64(_ state: UInt64) -> UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A `RandomNumberGenerator` view of this source.
    public var generator: Generator { Generator(source: self) }

    /// Adapts a ``RandomSource`` to the standard library's `RandomNumberGenerator`.
    public struct Generator: RandomNumberGenerator {
        let source: RandomSource
        /// The next 64 random bits.
        public mutating func next() -> UInt64 { source.nextValue() }
    }
}
