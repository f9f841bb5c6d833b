@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Response storability (RFC 9111 §3, §4.2.1)", .timeLimit(.minutes(1)))
struct ResponseStorabilityTests {
    static let now: Int64 = 1_000_000
    static let get = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a")

    static func evaluate(
        _ status: HTTPResponseStatus = .ok,
        _ headers: HTTPHeaders = [:],
        request: HTTPRequestHead = get,
        rules: CacheRouteRules = CacheRouteRules(),
        contentLength: Int? = nil
    ) -> ResponseStorability {
        ResponseStorability.evaluate(
            request: request, response: HTTPResponseHead(version: .http1_1, status: status, headers: headers),
            rules: rules, receivedAt: now, contentLength: contentLength
        )
    }

    static func decision(_ result: ResponseStorability) -> CachePolicyDecision? {
        if case .store(let decision) = result { return decision }
        return nil
    }

    static func isRefused(_ result: ResponseStorability) -> Bool {
        if case .doNotStore = result { return true }
        return false
    }

    @Test("§4.2.1: s-maxage beats max-age beats Expires − Date beats the route ttl")
    func freshnessOrder() {
        let date = HTTPDate.format(Self.now - 10)
        let expires = HTTPDate.format(Self.now + 90)
        let all = Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=50, s-maxage=20", "Date": date, "Expires": expires]))
        #expect(all?.freshnessLifetime == 20)
        #expect(all?.freshnessSource == .sharedMaxAge)
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=50", "Expires": expires]))?.freshnessLifetime == 50)
        let byExpires = Self.decision(Self.evaluate(.ok, ["Date": date, "Expires": expires]))
        #expect(byExpires?.freshnessLifetime == 100)
        #expect(byExpires?.freshnessSource == .expires)
        #expect(byExpires?.initialAge == 10)
        let heuristic = Self.decision(Self.evaluate(.ok, [:], rules: CacheRouteRules(ttl: .seconds(30))))
        #expect(heuristic?.freshnessLifetime == 30)
        #expect(heuristic?.freshnessSource == .heuristic)
    }

    @Test("§5.3: an invalid Expires such as 0, or conflicting Expires lines, mean already expired")
    func invalidExpires() {
        #expect(Self.decision(Self.evaluate(.ok, ["Expires": "0"]))?.freshnessLifetime == 0)
        let two = HTTPHeaders([("Expires", HTTPDate.format(Self.now + 5)), ("Expires", HTTPDate.format(Self.now + 9))])
        #expect(Self.decision(Self.evaluate(.ok, two))?.freshnessLifetime == 0)
    }

    @Test("explicit upstream max-age=0 wins over the route ttl")
    func explicitWins() {
        let decision = Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=0", "ETag": "\"v1\""], rules: CacheRouteRules(ttl: .seconds(300))))
        #expect(decision?.freshnessLifetime == 0)
        #expect(decision?.entityTag == "\"v1\"")
    }

    @Test("§4.2.2/RFC 9110 §15.1: only heuristically cacheable statuses get the route ttl; 206 never; others need explicit freshness")
    func statuses() {
        #expect(Self.decision(Self.evaluate(.notFound)) != nil)
        #expect(Self.decision(Self.evaluate(.permanentRedirect)) != nil)
        #expect(Self.isRefused(Self.evaluate(.found)))
        #expect(Self.decision(Self.evaluate(.found, ["Cache-Control": "max-age=10"]))?.freshnessLifetime == 10)
        #expect(Self.isRefused(Self.evaluate(.partialContent, ["Cache-Control": "max-age=10"])))
        #expect(Self.isRefused(Self.evaluate(.continue)))
        #expect(Self.isRefused(Self.evaluate(.notModified, ["Cache-Control": "max-age=10"])))
        #expect(Self.isRefused(Self.evaluate(.ok, [:], rules: CacheRouteRules(ttl: .zero))))
    }

    @Test("§3, §5.2.2.5, §5.2.2.7: no-store (request or response) and private are not stored; only GET is")
    func refusals() {
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "no-store, max-age=60"])))
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "private=\"X\", max-age=60"])))
        let noStoreRequest = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a", headers: ["Cache-Control": "no-store"])
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60"], request: noStoreRequest)))
        let head = HTTPRequestHead(version: .http1_1, method: .HEAD, uri: "/a")
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60"], request: head)))
    }

    @Test("§3.5: a response to an Authorization request needs public, s-maxage or must-revalidate")
    func authorization() {
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a", headers: ["Authorization": "Bearer t"])
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60"], request: request, rules: CacheRouteRules(cacheAuthorized: true))))
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "public, max-age=60"], request: request)) != nil)
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "s-maxage=60"], request: request)) != nil)
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "must-revalidate, max-age=60"], request: request)) != nil)
    }

    @Test("Cookie requests need public, even on a route that looks authorized requests up")
    func cookie() {
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a", headers: ["Cookie": "a=b"])
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60"], request: request)))
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "public, max-age=60"], request: request)) != nil)
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60"], request: request, rules: CacheRouteRules(cacheAuthorized: true))))
        #expect(Self.decision(Self.evaluate(.ok, ["Cache-Control": "public, max-age=60"], request: request, rules: CacheRouteRules(cacheAuthorized: true))) != nil)
    }

    @Test("Set-Cookie is stored only with cacheSetCookie and public")
    func setCookie() {
        let headers: HTTPHeaders = ["Cache-Control": "public, max-age=60", "Set-Cookie": "a=b"]
        #expect(Self.isRefused(Self.evaluate(.ok, headers)))
        #expect(Self.isRefused(Self.evaluate(.ok, ["Cache-Control": "max-age=60", "Set-Cookie": "a=b"], rules: CacheRouteRules(cacheSetCookie: true))))
        #expect(Self.decision(Self.evaluate(.ok, headers, rules: CacheRouteRules(cacheSetCookie: true))) != nil)
    }

    @Test("§4.1: Vary names are lower-cased, sorted, deduplicated and merged with the route's; Vary: * is not stored")
    func vary() {
        let headers = HTTPHeaders([("Vary", "Accept-Encoding, accept"), ("Vary", "ACCEPT-ENCODING")])
        let decision = Self.decision(Self.evaluate(.ok, headers, rules: CacheRouteRules(vary: ["X-Tenant"])))
        #expect(decision?.varyFieldNames == ["accept", "accept-encoding", "x-tenant"])
        #expect(Self.isRefused(Self.evaluate(.ok, ["Vary": "Accept, *"])))
    }

    @Test("bodies above maxObjectBytes are not stored (explicit length or Content-Length)")
    func size() {
        let rules = CacheRouteRules(maxObjectBytes: 100)
        #expect(Self.isRefused(Self.evaluate(.ok, [:], rules: rules, contentLength: 101)))
        #expect(Self.isRefused(Self.evaluate(.ok, ["Content-Length": "101"], rules: rules)))
        #expect(Self.decision(Self.evaluate(.ok, [:], rules: rules, contentLength: 100)) != nil)
    }

    @Test("RFC 5861 windows: the response's win over the route's; must-revalidate and no-cache remove them; s-maxage drops only the route's")
    func staleWindows() {
        let rules = CacheRouteRules(staleWhileRevalidate: .seconds(30), staleIfError: .seconds(300))
        let routeOnly = Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=10"], rules: rules))
        #expect(routeOnly?.staleWhileRevalidate == 30 && routeOnly?.staleIfError == 300)
        let own = Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=10, stale-while-revalidate=5"], rules: rules))
        #expect(own?.staleWhileRevalidate == 5 && own?.staleIfError == 300)
        let strict = Self.decision(Self.evaluate(.ok, ["Cache-Control": "max-age=10, must-revalidate, stale-if-error=60"], rules: rules))
        #expect(strict?.staleWhileRevalidate == 0 && strict?.staleIfError == 0 && strict?.staleForbidden == true)
        let noCache = Self.decision(Self.evaluate(.ok, ["Cache-Control": "no-cache, max-age=10"], rules: rules))
        #expect(noCache?.requiresValidation == true && noCache?.staleIfError == 0)
        let shared = Self.decision(Self.evaluate(.ok, ["Cache-Control": "s-maxage=10, stale-while-revalidate=7"], rules: rules))
        #expect(shared?.staleWhileRevalidate == 7 && shared?.staleIfError == 0 && shared?.staleForbidden == true)
    }

    @Test("§4.2.3: the initial age is the larger of Age and receive time minus Date")
    func initialAge() {
        #expect(Self.decision(Self.evaluate(.ok, ["Age": "40", "Date": HTTPDate.format(Self.now - 5)]))?.initialAge == 40)
        #expect(Self.decision(Self.evaluate(.ok, ["Age": "4", "Date": HTTPDate.format(Self.now - 5)]))?.initialAge == 5)
        #expect(Self.decision(Self.evaluate(.ok, ["Date": HTTPDate.format(Self.now + 5)]))?.initialAge == 0)
    }
}
