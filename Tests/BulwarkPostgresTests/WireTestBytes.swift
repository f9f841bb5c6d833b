import NIOCore

/// Builders for raw PostgreSQL packets in the wire tests, written by hand (not with the code under test).
enum WireBytes {
    static func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    static func int16(_ value: Int16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    /// An untyped packet: length (counting itself), then `body`.
    static func packet(_ body: [UInt8]) -> [UInt8] { int32(Int32(body.count + 4)) + body }

    /// A startup message with `pairs` in order.
    static func startup(_ pairs: [(String, String)], version: UInt32 = 196_608) -> [UInt8] {
        packet(int32(Int32(bitPattern: version)) + pairs.flatMap { cString($0.0) + cString($0.1) } + [0])
    }

    /// A typed message: type byte, length (counting itself, not the type), body.
    static func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + int32(Int32(body.count + 4)) + body
    }

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
}
