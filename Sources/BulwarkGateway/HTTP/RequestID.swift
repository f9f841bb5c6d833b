/// Request ids: an incoming `X-Request-ID` is kept when it is short printable ASCII, otherwise a random
/// 128-bit hex id is made.
enum RequestID {
    static func accept(_ incoming: String?) -> String {
        if let incoming, !incoming.isEmpty, incoming.utf8.count <= 200,
           incoming.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return incoming
        }
        return generate()
    }

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
