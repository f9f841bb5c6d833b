@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Conditional requests (RFC 9110 §13)", .timeLimit(.minutes(1)))
struct ConditionalRequestTests {
    static let lastModified = "Sun, 06 Nov 1994 08:49:37 GMT"

    @Test("§13.1.2: If-None-Match uses weak comparison, lists, several lines, and *")
    func ifNoneMatch() {
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "W/\"v1\""], storedETag: "\"v1\"", storedLastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "\"a\", \"v1\""], storedETag: "W/\"v1\"", storedLastModified: nil) == .notModified)
        let lines = HTTPHeaders([("If-None-Match", "\"a\""), ("If-None-Match", "\"b,c\", \"v1\"")])
        #expect(ConditionalRequest.evaluate(requestHeaders: lines, storedETag: "\"v1\"", storedLastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "\"b,c\""], storedETag: "\"c\"", storedLastModified: nil) == .sendFull)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "*"], storedETag: nil, storedLastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "\"v2\""], storedETag: "\"v1\"", storedLastModified: nil) == .sendFull)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-None-Match": "\"v1\""], storedETag: nil, storedLastModified: nil) == .sendFull)
    }

    @Test("§13.2.2: If-None-Match takes precedence over If-Modified-Since")
    func precedence() {
        let headers: HTTPHeaders = ["If-None-Match": "\"v2\"", "If-Modified-Since": Self.lastModified]
        #expect(ConditionalRequest.evaluate(requestHeaders: headers, storedETag: "\"v1\"", storedLastModified: Self.lastModified) == .sendFull)
    }

    @Test("§13.1.3: If-Modified-Since needs one valid date and a stored Last-Modified")
    func ifModifiedSince() {
        let same: HTTPHeaders = ["If-Modified-Since": Self.lastModified]
        #expect(ConditionalRequest.evaluate(requestHeaders: same, storedETag: nil, storedLastModified: Self.lastModified) == .notModified)
        let later: HTTPHeaders = ["If-Modified-Since": "Mon, 07 Nov 1994 08:49:37 GMT"]
        #expect(ConditionalRequest.evaluate(requestHeaders: later, storedETag: nil, storedLastModified: Self.lastModified) == .notModified)
        let earlier: HTTPHeaders = ["If-Modified-Since": "Sat, 05 Nov 1994 08:49:37 GMT"]
        #expect(ConditionalRequest.evaluate(requestHeaders: earlier, storedETag: nil, storedLastModified: Self.lastModified) == .sendFull)
        #expect(ConditionalRequest.evaluate(requestHeaders: ["If-Modified-Since": "yesterday"], storedETag: nil, storedLastModified: Self.lastModified) == .sendFull)
        #expect(ConditionalRequest.evaluate(requestHeaders: same, storedETag: nil, storedLastModified: nil) == .sendFull)
        let two = HTTPHeaders([("If-Modified-Since", Self.lastModified), ("If-Modified-Since", Self.lastModified)])
        #expect(ConditionalRequest.evaluate(requestHeaders: two, storedETag: nil, storedLastModified: Self.lastModified) == .sendFull)
    }
}
