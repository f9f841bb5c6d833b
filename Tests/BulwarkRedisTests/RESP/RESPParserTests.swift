import NIOCore
import PropertyBased
import Testing

@testable import BulwarkRedis

@Suite(.timeLimit(.minutes(1))) struct RESPParserTests {
    static func parseAll(_ bytes: String) throws -> [RESPValue] {
        var buffer = ByteBuffer(string: bytes)
        var parser = RESPParser()
        var values: [RESPValue] = []
        while let value = try parser.parse(&buffer) { values.append(value) }
        return values
    }

    @Test func parsesEveryRESP2Type() throws {
        let values = try Self.parseAll("+OK\r\n-ERR wrong\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n*-1\r\n$0\r\n\r\n")
        #expect(values == [
            .simpleString("OK"), .error("ERR wrong"), .integer(-42), .bulkString(ByteBuffer(string: "he\r\no")), .null,
            .array([.bulkString(ByteBuffer(string: "a")), .integer(1)]), .null, .bulkString(ByteBuffer()),
        ])
    }

    @Test func parsesEveryRESP3Type() throws {
        let values = try Self.parseAll("_\r\n#t\r\n#f\r\n,3.25\r\n,inf\r\n(12345678901234567890\r\n=8\r\ntxt:abcd\r\n%1\r\n+k\r\n:1\r\n~2\r\n:1\r\n:2\r\n>2\r\n+message\r\n+x\r\n!5\r\nERR x\r\n|1\r\n+ttl\r\n:3\r\n:7\r\n")
        #expect(values == [
            .null, .boolean(true), .boolean(false), .double(3.25), .double(.infinity), .bigNumber("12345678901234567890"),
            .verbatimString("abcd"), .map([RESPPair(key: .simpleString("k"), value: .integer(1))]), .set([.integer(1), .integer(2)]),
            .push([.simpleString("message"), .simpleString("x")]), .error("ERR x"), .integer(7),
        ])
    }

    @Test func anIncompleteReplyResumesWhereItStopped() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nfoo\r\n$3\r\nba")
        #expect(try parser.parse(&buffer) == nil)
        // The array header, the first element and the second one's header are kept in the parser; only the
        // bulk string that has not fully arrived stays in the buffer.
        #expect(String(buffer: buffer) == "ba")
        buffer.writeString("r\r\n")
        #expect(try parser.parse(&buffer) == .array([.bulkString(ByteBuffer(string: "foo")), .bulkString(ByteBuffer(string: "bar"))]))
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [
        ("?what\r\n", "unknown type byte"),
        (":12a\r\n", "is not an integer"),
        ("$3\r\nabcXY", "not followed by CRLF"),
        ("$-5\r\n", "invalid blob length"),
        ("+OK\rX", "CR not followed by LF"),
        ("#x\r\n", "neither t nor f"),
        (",pi\r\n", "not a number"),
        ("*-2\r\n", "invalid aggregate length"),
    ])
    func malformedRepliesAreClearErrors(input: String, message: String) {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: input)
        #expect {
            try parser.parse(&buffer)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func deepNestingIsRejected() {
        var parser = RESPParser(maximumDepth: 64)
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        #expect(throws: RESPParseError.self) { try parser.parse(&buffer) }
    }

    /// Random RESP3 values, nested up to three levels.
    static func value(_ generator: inout some RandomNumberGenerator, depth: Int = 0) -> RESPValue {
        let kind = Int.random(in: 0...(depth >= 3 ? 8 : 12), using: &generator)
        func text() -> String { String((0..<Int.random(in: 0...12, using: &generator)).map { _ in "ab\r\n:$*é".randomElement(using: &generator)! }) }
        func elements() -> [RESPValue] { (0..<Int.random(in: 0...4, using: &generator)).map { _ in value(&generator, depth: depth + 1) } }
        switch kind {
        case 0: return .simpleString(text().filter { !$0.isNewline })
        case 1: return .error("ERR " + text().filter { !$0.isNewline })
        case 2: return .integer(Int64.random(in: .min ... .max, using: &generator))
        case 3: return .bulkString(ByteBuffer(string: text()))
        case 4: return .null
        case 5: return .double(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / 64)
        case 6: return .boolean(Bool.random(using: &generator))
        case 7: return .bigNumber(String(Int.random(in: 0 ... .max, using: &generator)) + "123")
        case 8: return .verbatimString(text())
        case 9: return .array(elements())
        case 10: return .set(elements())
        case 11: return .push(elements())
        default: return .map(elements().map { RESPPair(key: $0, value: .integer(1)) })
        }
    }

    @Test func aReplySplitAtAnyByteParsesTheSame() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0 ... .max)) { seed in
            var generator = SplitMix(seed: UInt64(seed))
            let values = (0..<3).map { _ in Self.value(&generator) }
            var encoded = ByteBuffer()
            for value in values { RESPEncoder.encode(value, into: &encoded) }
            let bytes = Array(encoded.readableBytesView)
            for split in 0...bytes.count {
                var parser = RESPParser()
                var buffer = ByteBuffer(bytes: bytes[..<split])
                var parsed: [RESPValue] = []
                do {
                    while let value = try parser.parse(&buffer) { parsed.append(value) }
                    buffer.writeBytes(bytes[split...])
                    while let value = try parser.parse(&buffer) { parsed.append(value) }
                } catch {
                    Issue.record("split at \(split) threw \(error)")
                    return
                }
                #expect(parsed == values, "split at byte \(split) of \(bytes.count)")
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test func truncatedRepliesNeverThrowAndYieldNothing() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0 ... .max)) { seed in
            var generator = SplitMix(seed: UInt64(seed))
            var encoded = ByteBuffer()
            RESPEncoder.encode(Self.value(&generator), into: &encoded)
            let bytes = Array(encoded.readableBytesView)
            for cut in 0..<bytes.count {
                var parser = RESPParser()
                var buffer = ByteBuffer(bytes: bytes[..<cut])
                do {
                    #expect(try parser.parse(&buffer) == nil, "cut at \(cut)")
                } catch {
                    Issue.record("a truncated reply threw \(error) at \(cut)")
                }
            }
        }
    }

    @Test func commandsEncodeAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPEncoder.encodeCommand(["SET", "k", RedisArgument(ByteBuffer(string: "v\r\n")), 42], into: &buffer)
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$2\r\n42\r\n")
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
