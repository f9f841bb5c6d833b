@testable import BulwarkBench
import NIOCore
import PropertyBased
import Testing

/// The response framer finds where each answer ends, however the bytes are split, and refuses what is
/// not HTTP/1.1.
struct ResponseFramerTests {
    /// Feeds `chunks` in order; returns the responses found and the error, if any.
    static func frame(_ chunks: [String], expectsBody: Bool = true, closeAtEnd: Bool = false) -> (responses: [ResponseFramer.Response], error: String?) {
        var framer = ResponseFramer()
        framer.expectResponse(expectsBody: expectsBody)
        var responses: [ResponseFramer.Response] = []
        do {
            for chunk in chunks {
                var buffer = ByteBuffer(string: chunk)
                while buffer.readableBytes > 0, let response = try framer.next(from: &buffer) { responses.append(response) }
            }
        } catch {
            return (responses, error.description)
        }
        if closeAtEnd, let response = framer.connectionClosed() { responses.append(response) }
        return (responses, nil)
    }

    static let samples: [(text: String, response: ResponseFramer.Response, expectsBody: Bool, closeAtEnd: Bool)] = [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", .init(status: 200, keepAlive: true), true, false),
        ("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", .init(status: 404, keepAlive: true), true, false),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n", .init(status: 200, keepAlive: true), true, false),
        ("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye", .init(status: 503, keepAlive: false), true, false),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", .init(status: 201, keepAlive: true), true, false),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", .init(status: 200, keepAlive: true), false, false),  // HEAD
        ("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", .init(status: 204, keepAlive: true), true, false),
        ("HTTP/1.1 304 Not Modified\r\n\r\n", .init(status: 304, keepAlive: true), true, false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", .init(status: 200, keepAlive: false), true, false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", .init(status: 200, keepAlive: true), true, false),
        ("HTTP/1.1 200 OK\n\nuntil the end", .init(status: 200, keepAlive: false), true, true),  // no length: read to close
    ]

    @Test("each sample frames to its one response", arguments: 0..<samples.count)
    func wholeSample(index: Int) {
        let sample = Self.samples[index]
        let result = Self.frame([sample.text], expectsBody: sample.expectsBody, closeAtEnd: sample.closeAtEnd)
        #expect(result.error == nil)
        #expect(result.responses == [sample.response])
    }

    @Test("a close-delimited body is not complete before the close")
    func untilCloseWaits() {
        #expect(Self.frame(["HTTP/1.1 200 OK\r\n\r\npart"]).responses.isEmpty)
    }

    @Test("an unfinished body is not a response")
    func partialBody() {
        #expect(Self.frame(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"]).responses.isEmpty)
        #expect(Self.frame(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"]).responses.isEmpty)
    }

    @Test("malformed answers are refused", arguments: [
        "SSH-2.0-OpenSSH\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n",
    ])
    func malformed(text: String) {
        #expect(Self.frame([text]).error != nil)
    }

    @Test("a header section beyond the limit is refused, not buffered forever")
    func oversizedHead() {
        let header = "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n"
        let result = Self.frame(["HTTP/1.1 200 OK\r\n"] + Array(repeating: header, count: 70))
        #expect(result.error?.contains("larger than") == true)
        #expect(Self.frame([String(repeating: "b", count: ResponseFramer.maximumLineLength + 1)]).error?.contains("line longer") == true)
    }

    @Test("splitting the bytes anywhere never changes what is framed (property)")
    func splitsDoNotMatter() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<Self.samples.count).array(of: 1...6), Gen.int(in: 1...40).array(of: 1...30)) { picks, cuts in
            // A keep-alive sequence of several answers (a close-delimited one only at the end).
            let chosen = picks.map { Self.samples[$0] }.filter { $0.response.keepAlive && $0.expectsBody }
            let text = chosen.map(\.text).joined()
            var chunks: [String] = []
            var rest = Substring(text)
            var cut = 0
            while !rest.isEmpty {
                let size = min(cuts[cut % cuts.count], rest.count)
                chunks.append(String(rest.prefix(size)))
                rest = rest.dropFirst(size)
                cut += 1
            }
            let result = Self.frame(chunks)
            #expect(result.error == nil)
            #expect(result.responses == chosen.map(\.response))
        }
    }

    @Test("random bytes never crash the framer and never produce a status outside 100...999 (property)")
    func randomBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...300)) { bytes in
            var framer = ResponseFramer()
            framer.expectResponse(expectsBody: true)
            var buffer = ByteBuffer(bytes: Array("HTTP/1.1 ".utf8) + bytes)
            while buffer.readableBytes > 0 {
                guard let response = try? framer.next(from: &buffer) else { break }
                #expect((100...999).contains(response.status))
            }
        }
    }
}
