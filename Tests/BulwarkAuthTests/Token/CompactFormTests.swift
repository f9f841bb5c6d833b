import Testing

@testable import BulwarkAuth

@Suite("Compact form", .timeLimit(.minutes(1)))
struct CompactFormTests {
    @Test("base64url round-trips, and only the canonical unpadded text decodes")
    func base64URL() {
        for length in 0...8 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 200) }
            let text = Base64URL.encode(bytes)
            #expect(TestKeys.base64URL(bytes) == text)
            #expect(Base64URL.decode(text.utf8) == bytes)
        }
        #expect(Base64URL.decode("-_-_".utf8) == [0xFB, 0xFF, 0xBF])
        #expect(Base64URL.decode("AQ".utf8) == [1])
        #expect(Base64URL.decode("AR".utf8) == nil)  // spare bits set: not canonical
        #expect(Base64URL.decode("AQE".utf8) == [1, 1])
        #expect(Base64URL.decode("AQF".utf8) == nil)
        #expect(Base64URL.decode("A".utf8) == nil)
        #expect(Base64URL.decode("AQ==".utf8) == nil)
        #expect(Base64URL.decode("+/8".utf8) == nil)
        #expect(Base64URL.decode("".utf8) == [])
    }

    @Test("JSON claims keep booleans, numbers, null and nesting apart")
    func claims() throws {
        let header = TestKeys.base64URL(Array("{\"alg\":\"HS256\"}".utf8))
        let payload = TestKeys.base64URL(Array(#"{"t":true,"f":false,"one":1,"zero":0,"x":1.25,"n":null,"s":"1","a":[1,true,"1"],"o":{"k":[]}}"#.utf8))
        let token = try JWTCompactToken(parsing: "\(header).\(payload).AAAA"[...])
        #expect(token.payload["t"] == .bool(true))
        #expect(token.payload["f"] == .bool(false))
        #expect(token.payload["one"] == .number(1))
        #expect(token.payload["zero"] == .number(0))
        #expect(token.payload["x"] == .number(1.25))
        #expect(token.payload["n"] == .null)
        #expect(token.payload["s"] == .string("1"))
        #expect(token.payload["a"] == .array([.number(1), .bool(true), .string("1")]))
        #expect(token.payload["o"] == .object(["k": .array([])]))
        #expect(token.signature == [0, 0, 0])
        #expect(Array(token.signingInput) == Array("\(header).\(payload)".utf8))
    }

    @Test("a token of exactly 16 KiB is parsed; one byte more is refused for its size")
    func sizeCap() throws {
        let header = TestKeys.base64URL(Array("{\"alg\":\"HS256\"}".utf8))
        var padding = 0
        var prefix = ""
        repeat {
            padding += 1
            prefix = header + "." + TestKeys.base64URL(Array("{\"p\":\"\(String(repeating: "a", count: padding))\"}".utf8)) + "."
        } while (16 * 1024 - prefix.utf8.count) % 4 == 1
        let exact = prefix + String(repeating: "A", count: 16 * 1024 - prefix.utf8.count)
        #expect(exact.utf8.count == 16 * 1024)
        #expect((try? JWTCompactToken(parsing: exact[...])) != nil)
        do {
            _ = try JWTCompactToken(parsing: (exact + "A")[...])
            Issue.record("a token over 16 KiB was parsed")
        } catch {
            #expect(error.reason == .malformed)
            #expect(error.detail.contains("longer than 16384 bytes"))
        }
    }
}
