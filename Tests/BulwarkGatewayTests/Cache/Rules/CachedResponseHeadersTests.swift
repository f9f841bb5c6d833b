@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Cached response headers (RFC 9111 §5.1, RFC 9110 §15.4.5)", .timeLimit(.minutes(1)))
struct CachedResponseHeadersTests {
    static let stored = HTTPHeaders([
        ("Content-Type", "text/html"), ("Content-Length", "10"), ("Cache-Control", "max-age=60"), ("ETag", "\"v1\""),
        ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Vary", "Accept"), ("Age", "3"), ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ])

    @Test("§5.1: Age is replaced and the cache status field set")
    func ageAndStatus() {
        let head = CachedResponseHeaders.prepare(HTTPResponseHead(version: .http1_1, status: .ok, headers: Self.stored), age: 42, statusHeaderName: "X-Cache", status: .hit)
        #expect(head.headers["Age"] == ["42"])
        #expect(head.headers["X-Cache"] == ["HIT"])
        #expect(head.headers["Content-Type"] == ["text/html"])
        let miss = CachedResponseHeaders.prepare(HTTPResponseHead(version: .http1_1, status: .ok, headers: Self.stored), age: nil, statusHeaderName: "X-Cache", status: .miss)
        #expect(miss.headers["Age"] == ["3"])
        #expect(miss.headers["X-Cache"] == ["MISS"])
    }

    @Test("RFC 9110 §15.4.5: a 304 keeps Cache-Control, Content-Location, Date, ETag, Expires, Vary")
    func notModified() {
        let head = CachedResponseHeaders.prepare(HTTPResponseHead(version: .http1_1, status: .notModified, headers: Self.stored), age: 5, statusHeaderName: "X-Cache", status: .hit)
        #expect(Set(head.headers.map { $0.name.lowercased() }) == ["cache-control", "etag", "vary", "date", "age", "x-cache"])
        var withoutETag = Self.stored
        withoutETag.remove(name: "ETag")
        let lastModified = CachedResponseHeaders.prepare(HTTPResponseHead(version: .http1_1, status: .notModified, headers: withoutETag), age: 5, statusHeaderName: "X-Cache", status: .revalidated)
        #expect(lastModified.headers["Last-Modified"] == ["Sun, 06 Nov 1994 08:49:37 GMT"])
        #expect(lastModified.headers["X-Cache"] == ["REVALIDATED"])
    }
}
