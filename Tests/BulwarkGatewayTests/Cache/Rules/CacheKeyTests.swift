@testable import BulwarkGateway
import NIOHTTP1
import PropertyBased
import Testing

@Suite("Cache keys (RFC 9111 §2, §4.1)", .timeLimit(.minutes(1)))
struct CacheKeyTests {
    @Test("§2: HEAD maps to GET, host is lower-cased, the default port goes, path and query are kept")
    func primary() {
        let key = CacheKey.primary(method: .HEAD, scheme: "HTTPS", host: "Example.COM:443", path: "/A", query: "b=1")
        #expect(key == CacheKey.primary(method: .GET, scheme: "https", host: "example.com", path: "/A", query: "b=1"))
        #expect(CacheKey.primary(method: .GET, scheme: "http", host: "a:80", path: "/", query: nil)
            == CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil))
        #expect(CacheKey.primary(method: .GET, scheme: "http", host: "a:443", path: "/", query: nil)
            != CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil))
        #expect(CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil)
            != CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: ""))
        #expect(CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/p", query: "q")
            != CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/p|1:q", query: nil))
    }

    @Test("keys are not confusable when separators appear inside parts")
    func notConfusable() {
        let a = CacheKey.primary(method: .GET, scheme: "http", host: "a|2:b", path: "/", query: nil)
        let b = CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "2:b|/", query: nil)
        #expect(a != b)
        let primary = CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil)
        let first = CacheKey.variant(primary: primary, varyNames: ["x"], requestHeaders: ["X": "1|1:y=1:2"])
        let second = CacheKey.variant(primary: primary, varyNames: ["x", "y"], requestHeaders: ["X": "1", "Y": "2"])
        #expect(first != second)
    }

    @Test("§4.1: vary names are case-insensitive and unordered; values are trimmed and joined with \", \"")
    func variant() {
        let primary = CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil)
        let lines = HTTPHeaders([("Accept", " text/html "), ("accept", "application/json"), ("Accept-Encoding", "gzip")])
        let joined = HTTPHeaders([("ACCEPT", "text/html, application/json"), ("accept-encoding", "gzip")])
        #expect(CacheKey.variant(primary: primary, varyNames: ["Accept", "accept-encoding"], requestHeaders: lines)
            == CacheKey.variant(primary: primary, varyNames: ["ACCEPT-ENCODING", "accept"], requestHeaders: joined))
        #expect(CacheKey.variant(primary: primary, varyNames: [], requestHeaders: [:]) != primary)
    }

    @Test("§4.1: an absent field differs from an empty one")
    func absentVersusEmpty() {
        let primary = CacheKey.primary(method: .GET, scheme: "http", host: "a", path: "/", query: nil)
        #expect(CacheKey.variant(primary: primary, varyNames: ["x"], requestHeaders: [:])
            != CacheKey.variant(primary: primary, varyNames: ["x"], requestHeaders: ["X": ""]))
    }

    @Test("property: different paths, queries and vary values never give the same key")
    func injective() async {
        let text = Gen.element(of: Array("a|:-1 ,=")).array(of: 0...5).map { String($0.compactMap { $0 }) }
        await propertyCheck(count: 300, input: text, text.optional, text, text.optional) { pathA, queryA, pathB, queryB in
            let a = CacheKey.primary(method: .GET, scheme: "http", host: "h", path: pathA, query: queryA)
            let b = CacheKey.primary(method: .GET, scheme: "http", host: "h", path: pathB, query: queryB)
            #expect((a == b) == (pathA == pathB && queryA == queryB))
            let headersA: HTTPHeaders = queryA.map { ["X": $0] } ?? [:]
            let headersB: HTTPHeaders = queryB.map { ["X": $0] } ?? [:]
            let variantA = CacheKey.variant(primary: a, varyNames: ["x"], requestHeaders: headersA)
            let variantB = CacheKey.variant(primary: a, varyNames: ["x"], requestHeaders: headersB)
            #expect((variantA == variantB) == (queryA?.trimmingOWS() == queryB?.trimmingOWS()))
        }
    }
}
