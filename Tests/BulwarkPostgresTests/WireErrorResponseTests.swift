import BulwarkPostgresWire
import NIOCore
import Testing

@Suite("Postgres wire: error responses")
struct WireErrorResponseTests {
    private func bytes(_ response: PostgresErrorResponse) -> [UInt8] {
        var buffer = ByteBuffer()
        response.encode(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test("the bytes, field by field: E, length, S, V, C, M as C strings, then a zero byte")
    func fieldByField() {
        let encoded = bytes(PostgresErrorResponse(code: "08006", message: "bulwark: no primary"))
        var expected: [UInt8] = [UInt8(ascii: "E")]
        let fields: [UInt8] = Array("SFATAL\0VFATAL\0C08006\0Mbulwark: no primary\0\0".utf8)
        expected += WireBytes.int32(Int32(fields.count + 4)) + fields
        #expect(encoded == expected)
        #expect(encoded[0] == 0x45)
        #expect(Array(encoded[1..<5]) == [0, 0, 0, 0x2F])  // 4 + 43 bytes of fields
        #expect(encoded.last == 0)
    }

    @Test("severity defaults to FATAL and can be ERROR")
    func severity() {
        #expect(PostgresErrorResponse(code: "08006", message: "m").severity == "FATAL")
        let encoded = bytes(PostgresErrorResponse(severity: "ERROR", code: "53300", message: "m"))
        #expect(Array(encoded[5...]) == Array("SERROR\0VERROR\0C53300\0Mm\0\0".utf8))
    }

    @Test("a client reads it: the length field covers exactly the rest, and the fields decode back")
    func clientReadsIt() throws {
        let message = "bulwark: cluster 'main': all 100 connections to 10.0.0.1:5432 are in use — none freed within 5s"
        var buffer = ByteBuffer()
        PostgresErrorResponse(code: "53300", message: message).encode(into: &buffer)
        PostgresErrorResponse(severity: "ERROR", code: "08P01", message: "second").encode(into: &buffer)
        let length = try #require(buffer.getInteger(at: 1, as: Int32.self))
        #expect(Int(length) == bytes(PostgresErrorResponse(code: "53300", message: message)).count - 1)
        var scanner = MessageScanner(interesting: [UInt8(ascii: "E")])
        let messages = try scanner.scan(buffer)
        #expect(messages.count == 2)
        #expect(scanner.isAtMessageBoundary)
        let first = try #require(messages.first?.body.flatMap(BackendMessage.errorFields))
        #expect(first == [UInt8(ascii: "S"): "FATAL", UInt8(ascii: "V"): "FATAL", UInt8(ascii: "C"): "53300", UInt8(ascii: "M"): message])
        let second = try #require(messages.last?.body.flatMap(BackendMessage.errorFields))
        #expect(second[UInt8(ascii: "M")] == "second")
    }

    @Test("a NUL inside a value is left out, so the framing holds")
    func nulsAreDropped() throws {
        var buffer = ByteBuffer()
        PostgresErrorResponse(code: "08\u{0}006", message: "a\u{0}b").encode(into: &buffer)
        var scanner = MessageScanner(interesting: [UInt8(ascii: "E")])
        let messages = try scanner.scan(buffer)
        let fields = try #require(messages.first?.body.flatMap(BackendMessage.errorFields))
        #expect(fields[UInt8(ascii: "C")] == "08006")
        #expect(fields[UInt8(ascii: "M")] == "ab")
    }
}
