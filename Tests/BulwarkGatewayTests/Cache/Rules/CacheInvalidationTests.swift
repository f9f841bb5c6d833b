@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Cache invalidation (RFC 9111 §4.4)", .timeLimit(.minutes(1)))
struct CacheInvalidationTests {
    @Test("§4.4: an unsafe method with a 2xx or 3xx answer invalidates the target; errors and safe methods do not")
    func target() {
        #expect(CacheInvalidation.invalidatesTarget(method: .POST, status: .ok))
        #expect(CacheInvalidation.invalidatesTarget(method: .DELETE, status: .seeOther))
        #expect(CacheInvalidation.invalidatesTarget(method: .RAW(value: "PURGE"), status: .noContent))
        #expect(!CacheInvalidation.invalidatesTarget(method: .PUT, status: .internalServerError))
        #expect(!CacheInvalidation.invalidatesTarget(method: .GET, status: .ok))
    }

    @Test("§4.4: same-origin Location and Content-Location are invalidated; other origins are not")
    func related() {
        let headers = HTTPHeaders([("Location", "https://EXAMPLE.com:443/items/7?x=1#f"), ("Content-Location", "/items/7")])
        let targets = CacheInvalidation.relatedTargets(method: .POST, status: .created, responseHeaders: headers, scheme: "https", host: "example.com")
        #expect(targets == [.init(path: "/items/7", query: "x=1"), .init(path: "/items/7", query: nil)])
        let foreign: HTTPHeaders = ["Location": "https://other.example/items/7"]
        #expect(CacheInvalidation.relatedTargets(method: .POST, status: .created, responseHeaders: foreign, scheme: "https", host: "example.com").isEmpty)
        let plain: HTTPHeaders = ["Location": "http://example.com/items/7"]
        #expect(CacheInvalidation.relatedTargets(method: .POST, status: .created, responseHeaders: plain, scheme: "https", host: "example.com").isEmpty)
        #expect(CacheInvalidation.relatedTargets(method: .GET, status: .ok, responseHeaders: headers, scheme: "https", host: "example.com").isEmpty)
    }
}
