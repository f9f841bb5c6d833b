import BulwarkPostgresWire
import NIOCore
import PropertyBased
import Testing

@Suite("Postgres wire: message scanner")
struct WireMessageScannerTests {
    private static let q = UInt8(ascii: "Q")
    private static let d = UInt8(ascii: "D")

    private static let stream: [UInt8] =
        WireBytes.message("Q", WireBytes.cString("select 1"))
        + WireBytes.message("D", [1, 2, 3, 4, 5, 6])
        + WireBytes.message("S", [])
        + WireBytes.message("Z", [UInt8(ascii: "I")])

    private func scanAll(_ chunks: [[UInt8]], _ scanner: MessageScanner) throws -> [ScannedMessage] {
        var scanner = scanner
        return try chunks.flatMap { try scanner.scan(ByteBuffer(bytes: $0)) }
    }

    @Test("every message is reported in order; only types of interest carry their bodies")
    func reportsMessages() throws {
        let scanner = MessageScanner(interesting: [Self.q, UInt8(ascii: "Z")])
        let messages = try scanAll([Self.stream], scanner)
        #expect(messages == [
            ScannedMessage(type: Self.q, body: WireBytes.buffer(WireBytes.cString("select 1"))),
            ScannedMessage(type: Self.d, bodyLength: 6, body: nil),
            ScannedMessage(type: UInt8(ascii: "S"), bodyLength: 0, body: nil),
            ScannedMessage(type: UInt8(ascii: "Z"), body: WireBytes.buffer([UInt8(ascii: "I")])),
        ])
    }

    @Test("an empty body of interest is an empty buffer, not nil")
    func emptyBodyOfInterest() throws {
        let messages = try scanAll([WireBytes.message("S", [])], MessageScanner(interesting: [UInt8(ascii: "S")]))
        #expect(messages == [ScannedMessage(type: UInt8(ascii: "S"), bodyLength: 0, body: ByteBuffer())])
    }

    @Test("split at every byte offset (and byte by byte) the stream scans the same as in one chunk")
    func everySplit() throws {
        let scanner = MessageScanner(interesting: [Self.q, Self.d], captureLimit: 4)
        let whole = try scanAll([Self.stream], scanner)
        #expect(whole.count == 4)
        for split in 0...Self.stream.count {
            let pieces = try scanAll([Array(Self.stream[..<split]), Array(Self.stream[split...])], scanner)
            #expect(pieces == whole, "split at \(split)")
        }
        #expect(try scanAll(Self.stream.map { [$0] }, scanner) == whole)
    }

    @Test("a message is reported by the scan of the chunk it ends in; the boundary flag follows")
    func reportedWhereItEnds() throws {
        var scanner = MessageScanner(interesting: [Self.q])
        let message = WireBytes.message("Q", WireBytes.cString("select 1"))
        #expect(scanner.isAtMessageBoundary)
        #expect(try scanner.scan(ByteBuffer(bytes: message[..<3])).isEmpty)  // inside the header
        #expect(!scanner.isAtMessageBoundary)
        #expect(try scanner.scan(ByteBuffer(bytes: message[3..<8])).isEmpty)  // inside the body
        #expect(!scanner.isAtMessageBoundary)
        let last = try scanner.scan(ByteBuffer(bytes: message[8...] + WireBytes.message("Q", [0])[..<2]))
        #expect(last.map(\.type) == [Self.q])
        #expect(last.first?.body.map { Array($0.readableBytesView) } == WireBytes.cString("select 1"))
        #expect(!scanner.isAtMessageBoundary)
        #expect(try scanner.scan(ByteBuffer()).isEmpty)
    }

    @Test("bodies over the capture limit are cut and marked truncated, also across chunks")
    func captureLimit() throws {
        let body = Array(UInt8(1)...UInt8(100))
        let bytes = WireBytes.message("D", body) + WireBytes.message("D", Array(body[..<10]))
        let scanner = MessageScanner(interesting: [Self.d], captureLimit: 10)
        for split in [0, 3, 5, 9, 15, 16, 50, 104, 105, 110, bytes.count] {
            let messages = try scanAll([Array(bytes[..<split]), Array(bytes[split...])], scanner)
            #expect(messages == [
                ScannedMessage(type: Self.d, bodyLength: 100, body: WireBytes.buffer(Array(body[..<10])), isTruncated: true),
                ScannedMessage(type: Self.d, bodyLength: 10, body: WireBytes.buffer(Array(body[..<10])), isTruncated: false),
            ], "split at \(split)")
        }
        let none = try scanAll([bytes], MessageScanner(interesting: [Self.d], captureLimit: 0))
        #expect(none.map(\.body) == [ByteBuffer(), ByteBuffer()])
        #expect(none.map(\.isTruncated) == [true, true])
    }

    @Test("a length under 4 or over the maximum throws, and keeps throwing")
    func invalidLengths() throws {
        for length: Int32 in [0, 3, -1, .min] {
            var scanner = MessageScanner(interesting: [])
            #expect(throws: MessageScanError.invalidLength(type: Self.q, length: length)) {
                try scanner.scan(ByteBuffer(bytes: [Self.q] + WireBytes.int32(length)))
            }
            #expect(throws: MessageScanError.invalidLength(type: Self.q, length: length)) {
                try scanner.scan(ByteBuffer(bytes: WireBytes.message("S", [])))
            }
        }
        var small = MessageScanner(interesting: [], maximumLength: 100)
        #expect(try small.scan(ByteBuffer(bytes: WireBytes.message("D", Array(repeating: 0, count: 96)))).count == 1)
        #expect(throws: MessageScanError.invalidLength(type: Self.d, length: 101)) {
            try small.scan(ByteBuffer(bytes: WireBytes.message("D", Array(repeating: 0, count: 97))))
        }
        // The header split across chunks is checked when its last byte arrives.
        var split = MessageScanner(interesting: [])
        #expect(try split.scan(ByteBuffer(bytes: [Self.q, 0xFF, 0xFF])).isEmpty)
        #expect(throws: MessageScanError.invalidLength(type: Self.q, length: -1)) {
            try split.scan(ByteBuffer(bytes: [0xFF, 0xFF]))
        }
        #expect(MessageScanError.invalidLength(type: Self.q, length: 2).description.contains("'Q'"))
    }

    @Test("the maximum length by default is PostgreSQL's 1 GiB, and a huge body is skipped, not held")
    func hugeBodies() throws {
        #expect(MessageScanner.defaultMaximumLength == 1 << 30)
        var scanner = MessageScanner(interesting: [Self.q], captureLimit: 8)
        let length = Int32(1 << 30)
        #expect(try scanner.scan(ByteBuffer(bytes: [Self.d] + WireBytes.int32(length))).isEmpty)
        let chunk = ByteBuffer(repeating: 0, count: 1 << 20)
        for _ in 0..<1023 { #expect(try scanner.scan(chunk).isEmpty) }
        var end = ByteBuffer(repeating: 0, count: (1 << 20) - 4)
        end.writeBytes(WireBytes.message("Q", [0]))
        let last = try scanner.scan(end)
        #expect(last == [
            ScannedMessage(type: Self.d, bodyLength: (1 << 30) - 4, body: nil),
            ScannedMessage(type: Self.q, body: WireBytes.buffer([0])),
        ])
    }

    @Test("a scanned chunk with a non-zero reader index is read from its reader index")
    func readerIndex() throws {
        var chunk = ByteBuffer(bytes: [9, 9, 9] + WireBytes.message("Z", [UInt8(ascii: "T")]))
        chunk.moveReaderIndex(forwardBy: 3)
        var scanner = MessageScanner(interesting: [UInt8(ascii: "Z")])
        #expect(try scanner.scan(chunk) == [ScannedMessage(type: UInt8(ascii: "Z"), body: WireBytes.buffer([UInt8(ascii: "T")]))])
    }

    @Test("property: random message streams split at random points scan the same as one chunk")
    func randomSplits() async {
        let types = Array("QPBESZKDCNX".utf8)
        await propertyCheck(
            input: Gen.int(in: 0...(types.count - 1)).array(of: 1...12), Gen.int(in: 0...300).array(of: 12),
            Gen.int(in: 0...2_000).array(of: 0...6), Gen.int(in: 0...40)
        ) { kinds, sizes, cuts, limit in
            var stream: [UInt8] = []
            var expected: [ScannedMessage] = []
            let interesting = Set(types.prefix(6))
            for (index, kind) in kinds.enumerated() {
                let body = (0..<sizes[index]).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                stream += [types[kind]] + WireBytes.int32(Int32(body.count + 4)) + body
                let kept = min(limit, body.count)
                expected.append(interesting.contains(types[kind])
                    ? ScannedMessage(type: types[kind], bodyLength: body.count, body: WireBytes.buffer(Array(body[..<kept])), isTruncated: kept < body.count)
                    : ScannedMessage(type: types[kind], bodyLength: body.count, body: nil))
            }
            let points = Set(cuts.map { $0 % (stream.count + 1) }).sorted()
            var chunks: [[UInt8]] = []
            var start = 0
            for point in points + [stream.count] {
                chunks.append(Array(stream[start..<point]))
                start = point
            }
            var scanner = MessageScanner(interesting: interesting, captureLimit: limit)
            let messages = try? chunks.flatMap { try scanner.scan(ByteBuffer(bytes: $0)) }
            #expect(messages == expected)
            let total = messages?.reduce(0) { $0 + 5 + $1.bodyLength }
            #expect(total == stream.count)
            #expect(scanner.isAtMessageBoundary)

            var quiet = MessageScanner(interesting: interesting, captureLimit: limit)
            var interestingOnly: [ScannedMessage] = []
            for chunk in chunks { try? quiet.scanInteresting(ByteBuffer(bytes: chunk), into: &interestingOnly) }
            #expect(interestingOnly == expected.filter { $0.body != nil })
        }
    }

    @Test("scanInteresting appends only the messages of interest to the caller's array")
    func scanInteresting() throws {
        var scanner = MessageScanner(interesting: [UInt8(ascii: "Z")])
        var messages = [ScannedMessage(type: 0, bodyLength: 0, body: nil)]
        try scanner.scanInteresting(ByteBuffer(bytes: Self.stream), into: &messages)
        #expect(messages == [
            ScannedMessage(type: 0, bodyLength: 0, body: nil),
            ScannedMessage(type: UInt8(ascii: "Z"), body: WireBytes.buffer([UInt8(ascii: "I")])),
        ])
        var failing = MessageScanner(interesting: [])
        #expect(throws: MessageScanError.self) { try failing.scanInteresting(ByteBuffer(bytes: [0, 0, 0, 0, 0]), into: &messages) }
    }
}
