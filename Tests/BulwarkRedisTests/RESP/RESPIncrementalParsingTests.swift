import NIOCore
import PropertyBased
import Testing

@testable import BulwarkRedis

/// The parser keeps its place between reads: chunked input parses exactly like whole input, and large
/// replies arriving in small pieces are read once, not again from their first byte on every piece.
@Suite(.timeLimit(.minutes(1))) struct RESPIncrementalParsingTests {
    /// Encodes `value` like ``RESPEncoder/encode(_:into:)``, with random attributes in front of some values
    /// (they are dropped by the parser, so the expected value does not change).
    static func encode(_ value: RESPValue, into buffer: inout ByteBuffer, _ generator: inout some RandomNumberGenerator) {
        if Int.random(in: 0..<4, using: &generator) == 0 {
            buffer.writeString("|1\r\n+ttl\r\n")
            encode(.integer(Int64.random(in: 0...100, using: &generator)), into: &buffer, &generator)
        }
        func elements(_ marker: String, _ values: [RESPValue]) {
            buffer.writeString("\(marker)\(values.count)\r\n")
            for value in values { encode(value, into: &buffer, &generator) }
        }
        switch value {
        case .array(let values): elements("*", values)
        case .set(let values): elements("~", values)
        case .push(let values): elements(">", values)
        case .map(let pairs):
            buffer.writeString("%\(pairs.count)\r\n")
            for pair in pairs {
                encode(pair.key, into: &buffer, &generator)
                encode(pair.value, into: &buffer, &generator)
            }
        default: RESPEncoder.encode(value, into: &buffer)
        }
    }

    /// Appends a chunk the way NIO's `ByteToMessageHandler` does in effect: bytes already consumed are
    /// reclaimed, so a small remainder moves to a fresh buffer (values already returned may still share
    /// the old storage, and writing into shared storage would copy all of it), a large one is appended to.
    static func append(_ chunk: ArraySlice<UInt8>, to buffer: inout ByteBuffer) {
        if buffer.readableBytes < 4096 {
            var fresh = ByteBuffer()
            fresh.reserveCapacity(buffer.readableBytes + chunk.count)
            fresh.writeBuffer(&buffer)
            buffer = fresh
        }
        buffer.writeBytes(chunk)
    }

    /// Parses `bytes` with one parser, appending them in the given chunk sizes (cycled).
    static func parse(_ bytes: [UInt8], chunkSizes: [Int]) throws -> (values: [RESPValue], left: Int) {
        var parser = RESPParser()
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        var start = 0
        var chunk = 0
        repeat {
            let end = min(bytes.count, start + chunkSizes[chunk % chunkSizes.count])
            chunk += 1
            Self.append(bytes[start..<end], to: &buffer)
            start = end
            while let value = try parser.parse(&buffer) { values.append(value) }
        } while start < bytes.count
        return (values, buffer.readableBytes)
    }

    @Test func randomChunksParseExactlyLikeTheWholeReply() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0 ... .max)) { seed in
            var generator = SplitMix(seed: UInt64(seed))
            let values = (0..<Int.random(in: 1...5, using: &generator)).map { _ in RESPParserTests.value(&generator) }
            var encoded = ByteBuffer()
            for value in values { Self.encode(value, into: &encoded, &generator) }
            let bytes = Array(encoded.readableBytesView)
            let chunkSizes = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                Bool.random(using: &generator) ? Int.random(in: 1...3, using: &generator) : Int.random(in: 1...64, using: &generator)
            }
            do {
                let whole = try Self.parse(bytes, chunkSizes: [bytes.count])
                #expect(whole.values == values)
                #expect(whole.left == 0)
                let chunked = try Self.parse(bytes, chunkSizes: chunkSizes)
                #expect(chunked.values == whole.values, "chunk sizes \(chunkSizes)")
                #expect(chunked.left == 0)
            } catch {
                Issue.record("chunk sizes \(chunkSizes) threw \(error)")
            }
        }
    }

    // The next two would take minutes if every 64-byte chunk re-parsed the reply from its first byte
    // (tens of thousands of chunks, each re-reading up to megabytes); read once, they take a moment.

    @Test func aFourMegabyteBulkStringIn64ByteChunks() throws {
        var payload = ByteBuffer(repeating: UInt8(ascii: "z"), count: 4 * 1024 * 1024)
        payload.setString("\r\n$5\r\n*1\r\n", at: 64 * 1024)
        var encoded = ByteBuffer()
        RESPEncoder.encode(.array([.bulkString(payload), .simpleString("end")]), into: &encoded)
        let parsed = try Self.parse(Array(encoded.readableBytesView), chunkSizes: [64])
        #expect(parsed.values == [.array([.bulkString(payload), .simpleString("end")])])
        #expect(parsed.left == 0)
    }

    @Test func aTwoHundredThousandElementArrayIn64ByteChunks() throws {
        let count = 200_000
        var encoded = ByteBuffer()
        encoded.writeString("*\(count)\r\n")
        for index in 0..<count { encoded.writeString(index.isMultiple(of: 2) ? ":\(index)\r\n" : "$1\r\nx\r\n") }
        encoded.writeString("+after\r\n")
        let parsed = try Self.parse(Array(encoded.readableBytesView), chunkSizes: [64])
        #expect(parsed.values.count == 2)
        guard case .array(let elements) = parsed.values.first else {
            Issue.record("not an array: \(parsed.values.first.map(String.init(describing:)) ?? "nothing")")
            return
        }
        #expect(elements.count == count)
        #expect(elements.first == .integer(0))
        #expect(elements.last == .bulkString(ByteBuffer(string: "x")))
        #expect(elements[count / 2] == .integer(Int64(count / 2)))
        #expect(parsed.values.last == .simpleString("after"))
    }

    @Test func aLongLineOneByteAtATime() throws {
        let line = String(repeating: "y", count: RESPParser.defaultMaximumLineLength)
        let parsed = try Self.parse(Array("+\(line)\r\n:1\r\n".utf8), chunkSizes: [1])
        #expect(parsed.values == [.simpleString(line), .integer(1)])
    }
}
