@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Revalidation (RFC 9111 §3.2, §4.3)", .timeLimit(.minutes(1)))
struct RevalidationTests {
    @Test("§4.3.1: validators become If-None-Match and If-Modified-Since")
    func requestHeaders() {
        let headers = Revalidation.requestHeaders(etag: "\"v1\"", lastModified: "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(headers["If-None-Match"] == ["\"v1\""])
        #expect(headers["If-Modified-Since"] == ["Sun, 06 Nov 1994 08:49:37 GMT"])
        #expect(Revalidation.requestHeaders(etag: nil, lastModified: nil).count == 0)
    }

    @Test("§3.2/§4.3.4: 304 fields replace stored ones, except framing and hop-by-hop fields")
    func merge() {
        let stored = HTTPHeaders([
            ("Content-Type", "text/html"), ("Content-Length", "10"), ("Cache-Control", "max-age=10"),
            ("X-Multi", "1"), ("X-Multi", "2"), ("ETag", "\"v1\""),
        ])
        let notModified = HTTPHeaders([
            ("Cache-Control", "max-age=60"), ("Content-Length", "0"), ("Transfer-Encoding", "chunked"),
            ("Connection", "close, X-Hop"), ("X-Hop", "1"), ("X-Multi", "3"), ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ])
        let merged = Revalidation.merge(stored: stored, notModified: notModified)
        #expect(merged["Content-Type"] == ["text/html"])
        #expect(merged["Content-Length"] == ["10"])
        #expect(merged["Cache-Control"] == ["max-age=60"])
        #expect(merged["X-Multi"] == ["3"])
        #expect(merged["ETag"] == ["\"v1\""])
        #expect(merged["Date"] == ["Sun, 06 Nov 1994 08:49:37 GMT"])
        #expect(!merged.contains(name: "Transfer-Encoding"))
        #expect(!merged.contains(name: "Connection"))
        #expect(!merged.contains(name: "X-Hop"))
    }
}
