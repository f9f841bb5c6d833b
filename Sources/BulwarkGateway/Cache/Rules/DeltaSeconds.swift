/// `delta-seconds` (RFC 9111 §1.2.2): a non-negative integer number of seconds.
enum DeltaSeconds {
    /// The value a cache uses for a number too large to represent: 2^31 (RFC 9111 §1.2.2).
    static let maximum: Int64 = 2_147_483_648

    /// Parses `1*DIGIT`; anything else (sign, space, decimal point, empty) is invalid and gives `nil`.
    ///
    /// A value above ``maximum`` is clamped to it, as §1.2.2 requires.
    static func parse(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = min(value * 10 + Int64(byte - UInt8(ascii: "0")), maximum)
        }
        return value
    }

    /// Whole seconds of a non-negative `Duration`, rounded down and clamped to ``maximum``; negative gives 0.
    static func seconds(of duration: Duration) -> Int64 {
        min(max(duration.components.seconds, 0), maximum)
    }
}
