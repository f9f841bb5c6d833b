import Resilience
import Synchronization

/// Request ids: an incoming `X-Request-ID` is kept when it is short printable ASCII, otherwise a 128-bit
/// hex id is made. Ids are a process-wide random seed mixed with a counter through splitmix64, so they
/// are unique and unpredictable enough for tracing without a `getrandom` call per request.
enum RequestID {
    private static let seed: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    static func accept(_ incoming: String?) -> String {
        if let incoming, !incoming.isEmpty, incoming.utf8.count <= 200,
           incoming.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return incoming
        }
        return generate()
    }

    static func generate() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let high = RandomSource.splitMix64(seed.0 &+ n), low = RandomSource.splitMix64(seed.1 ^ (n &* 0x9E37_79B9_7F4A_7C15))
        return String(unsafeUninitializedCapacity: 32) { buffer in
            hex(high, into: buffer, at: 0)
            hex(low, into: buffer, at: 16)
            return 32
        }
    }

    private static func hex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            let nibble = Int((value >> UInt64(60 - 4 * index)) & 0xF)
            buffer[offset + index] = digits.utf8Start[nibble]
        }
    }
}
