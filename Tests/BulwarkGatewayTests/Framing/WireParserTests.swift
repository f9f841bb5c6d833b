import Testing

/// The framing suite is only as good as its oracle: these check the test parser and the pass rules on
/// bytes whose reading is known, without a gateway.
@Suite("Framing: the suite's own parser and pass rules")
struct WireParserTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("the strict reading refuses every ambiguity", arguments: [
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nHost: a\nContent-Length: 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
    ])
    func strictRefuses(_ text: String) {
        #expect(throws: WireError.self) { try WireRequest.parse(Self.bytes(text), .upstream) }
    }

    @Test("chunk extensions, trailers and leading zeros are read as RFC 9112 §7.1 allows")
    func chunked() throws {
        let text = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n05 ; a = \"b;\\\"c\" ;d\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
        let request = try WireRequest.parse(Self.bytes(text), .upstream)
        #expect(request.body == Self.bytes("hello"))
        #expect(request.length == text.utf8.count)
    }

    @Test("the lenient reading folds, merges identical lengths and lets Transfer-Encoding win")
    func lenient() throws {
        let folded = try WireRequest.parse(Self.bytes("POST /x HTTP/1.1\nHost: a\r\nX: a\r\n b\r\nContent-Length: 2, 2\r\n\r\nhi"), .lenientClient)
        #expect(folded.values("x") == ["a b"])
        #expect(folded.body == Self.bytes("hi"))
        let both = try WireRequest.parse(Self.bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"), .lenientClient)
        #expect(both.body == Self.bytes("hi"))
        #expect(both.suspectFraming)
    }

    @Test("a smuggled second request and a bare body both fail the forward rule")
    func smugglingIsCaught() {
        let item = FramingCase(
            file: "x.forward.http", expected: "forward",
            bytes: Self.bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        )
        let client = ClientTranscript(
            bytes: [], closedByGateway: false,
            responses: [WireResponse(status: 200, fields: [], body: Self.bytes("ok"), length: 0)], problem: nil
        )
        let head = "POST /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 127.0.0.1\r\nX-Request-ID: r\r\n"
        let good = ByteLog.Snapshot(bytes: Self.bytes(head + "Content-Length: 5\r\n\r\nhello"), closed: true, closedLocally: false, version: 1)
        #expect(FramingVerdict.request(item, upstream: [good], client: client).isEmpty)
        let bare = ByteLog.Snapshot(bytes: Self.bytes(head + "\r\nhello"), closed: true, closedLocally: false, version: 1)
        #expect(!FramingVerdict.request(item, upstream: [bare], client: client).isEmpty)
        let two = ByteLog.Snapshot(bytes: good.bytes + Self.bytes("GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"), closed: true, closedLocally: false, version: 1)
        #expect(FramingVerdict.request(item, upstream: [two], client: client).contains { $0.contains("not exactly 1") })
    }
}
