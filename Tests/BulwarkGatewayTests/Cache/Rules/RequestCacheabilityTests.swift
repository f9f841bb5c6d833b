@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Request cacheability (RFC 9111 §4, §5.2.1)", .timeLimit(.minutes(1)))
struct RequestCacheabilityTests {
    static func head(_ method: HTTPMethod = .GET, _ headers: HTTPHeaders = [:]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: "/a", headers: headers)
    }

    @Test("§4: GET and HEAD are looked up; other methods bypass")
    func methods() {
        #expect(RequestCacheability.evaluate(head: Self.head(.GET), rules: CacheRouteRules()) == .lookup)
        #expect(RequestCacheability.evaluate(head: Self.head(.HEAD), rules: CacheRouteRules()) == .lookup)
        #expect(RequestCacheability.evaluate(head: Self.head(.POST), rules: CacheRouteRules()) == .bypass(reason: "method POST"))
    }

    @Test("§5.2.1.5 no-store and Range requests bypass")
    func noStoreAndRange() {
        #expect(RequestCacheability.evaluate(head: Self.head(.GET, ["Cache-Control": "no-store"]), rules: CacheRouteRules()) == .bypass(reason: "request no-store"))
        #expect(RequestCacheability.evaluate(head: Self.head(.GET, ["Range": "bytes=0-9"]), rules: CacheRouteRules()) == .bypass(reason: "range request"))
    }

    @Test("RFC 9110 §13.1.1/§13.1.4: If-Match and If-Unmodified-Since are left to the origin")
    func originPreconditions() {
        for headers: HTTPHeaders in [["If-Match": "\"v1\""], ["If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"]] {
            #expect(RequestCacheability.evaluate(head: Self.head(.GET, headers), rules: CacheRouteRules()) == .bypass(reason: "precondition for the origin"))
        }
        #expect(RequestCacheability.evaluate(head: Self.head(.GET, ["If-None-Match": "\"v1\""]), rules: CacheRouteRules()) == .lookup)
    }

    @Test("§3.5: Authorization and Cookie bypass unless the route caches authorized requests")
    func credentials() {
        let authorized = Self.head(.GET, ["Authorization": "Bearer x"])
        let cookie = Self.head(.GET, ["Cookie": "a=b"])
        guard case .bypass = RequestCacheability.evaluate(head: authorized, rules: CacheRouteRules()) else { Issue.record("expected bypass"); return }
        guard case .bypass = RequestCacheability.evaluate(head: cookie, rules: CacheRouteRules()) else { Issue.record("expected bypass"); return }
        #expect(RequestCacheability.evaluate(head: authorized, rules: CacheRouteRules(cacheAuthorized: true)) == .lookup)
        #expect(RequestCacheability.evaluate(head: cookie, rules: CacheRouteRules(cacheAuthorized: true)) == .lookup)
    }

    @Test("§5.2.1.4 no-cache, §5.2.1.1 max-age=0 and §5.4 Pragma: no-cache need revalidation")
    func revalidate() {
        for headers: HTTPHeaders in [["Cache-Control": "no-cache"], ["Cache-Control": "max-age=0"], ["Pragma": "no-cache"]] {
            #expect(RequestCacheability.evaluate(head: Self.head(.GET, headers), rules: CacheRouteRules()) == .revalidate)
        }
        #expect(RequestCacheability.evaluate(head: Self.head(.GET, ["Cache-Control": "max-age=1"]), rules: CacheRouteRules()) == .lookup)
    }
}
