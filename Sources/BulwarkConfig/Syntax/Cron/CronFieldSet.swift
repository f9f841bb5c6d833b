/// The values one cron field allows, as a set of small integers (0 through 63).
struct CronFieldSet: Sendable, Hashable {
    /// Bit `n` is set when value `n` is allowed.
    private(set) var bits: UInt64 = 0

    /// An empty set.
    init() {}

    /// Allows `value` (0 through 63).
    mutating func insert(_ value: Int) {
        precondition((0..<64).contains(value), "cron values lie in 0...63")
        bits |= (1 as UInt64) << value
    }

    /// Whether `value` is allowed.
    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & ((1 as UInt64) << value) != 0
    }

    /// The smallest allowed value that is at least `value`, or nil if there is none.
    func first(atLeast value: Int) -> Int? {
        guard value < 64 else { return nil }
        let candidates = bits & (UInt64.max << max(0, value))
        return candidates == 0 ? nil : candidates.trailingZeroBitCount
    }
}
