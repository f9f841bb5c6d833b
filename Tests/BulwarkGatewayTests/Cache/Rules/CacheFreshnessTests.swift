@testable import BulwarkGateway
import Testing

@Suite("Cache freshness (RFC 9111 §4.2, §5.2.1; RFC 5861)", .timeLimit(.minutes(1)))
struct CacheFreshnessTests {
    static func decision(
        lifetime: Int64 = 100, swr: Int64 = 0, sie: Int64 = 0, initialAge: Int64 = 0,
        requiresValidation: Bool = false, staleForbidden: Bool = false
    ) -> CachePolicyDecision {
        CachePolicyDecision(
            freshnessLifetime: lifetime, freshnessSource: .maxAge, staleWhileRevalidate: swr, staleIfError: sie,
            requiresValidation: requiresValidation, staleForbidden: staleForbidden, varyFieldNames: [],
            entityTag: nil, lastModified: nil, initialAge: initialAge, immutable: false
        )
    }

    static func at(_ age: Int64, _ decision: CachePolicyDecision, _ request: RequestCacheControl = RequestCacheControl()) -> CacheFreshness {
        CacheFreshness.evaluate(decision: decision, storedAt: 1_000, now: 1_000 + age, request: request)
    }

    @Test("§4.2.3: current age is the initial age plus resident time; a clock going backwards adds nothing")
    func currentAge() {
        #expect(CacheFreshness.currentAge(initialAge: 7, storedAt: 100, now: 130) == 37)
        #expect(CacheFreshness.currentAge(initialAge: 7, storedAt: 100, now: 90) == 7)
    }

    @Test("§4.2: fresh while age < lifetime, then the stale-while-revalidate and stale-if-error windows, then expired")
    func windows() {
        let decision = Self.decision(lifetime: 100, swr: 10, sie: 50, initialAge: 20)
        #expect(Self.at(79, decision) == .fresh)
        #expect(Self.at(80, decision) == .staleWhileRevalidate)
        #expect(Self.at(89, decision) == .staleWhileRevalidate)
        #expect(Self.at(90, decision) == .staleIfErrorOnly)
        #expect(Self.at(129, decision) == .staleIfErrorOnly)
        #expect(Self.at(130, decision) == .expired)
    }

    @Test("§5.2.2.4: a no-cache response always needs validation")
    func noCache() {
        #expect(Self.at(0, Self.decision(requiresValidation: true)) == .expired)
    }

    @Test("§5.2.1.1/§5.2.1.3: request max-age and min-fresh refuse a response that is fresh but too old")
    func requestLimits() {
        var maxAge = RequestCacheControl()
        maxAge.maxAge = 30
        #expect(Self.at(30, Self.decision(), maxAge) == .fresh)
        #expect(Self.at(31, Self.decision(), maxAge) == .expired)
        var minFresh = RequestCacheControl()
        minFresh.minFresh = 20
        #expect(Self.at(79, Self.decision(), minFresh) == .fresh)
        #expect(Self.at(80, Self.decision(), minFresh) == .expired)
    }

    @Test("§5.2.1.2: max-stale accepts staleness, but not past must-revalidate (§4.2.4)")
    func maxStale() {
        var bounded = RequestCacheControl()
        bounded.maxStale = .seconds(10)
        #expect(Self.at(110, Self.decision(), bounded) == .staleAcceptedByClient)
        #expect(Self.at(111, Self.decision(), bounded) == .expired)
        var unlimited = RequestCacheControl()
        unlimited.maxStale = .unlimited
        #expect(Self.at(10_000, Self.decision(), unlimited) == .staleAcceptedByClient)
        #expect(Self.at(101, Self.decision(staleForbidden: true), unlimited) == .expired)
    }

    @Test("RFC 5861 §3: inside the stale-while-revalidate window a client's max-stale still gets a background revalidation")
    func staleWhileRevalidateFirst() {
        var unlimited = RequestCacheControl()
        unlimited.maxStale = .unlimited
        #expect(Self.at(105, Self.decision(swr: 10), unlimited) == .staleWhileRevalidate)
        #expect(Self.at(110, Self.decision(swr: 10), unlimited) == .staleAcceptedByClient)
    }

    @Test("§5.2.1.1: a request max-age the stale response exceeds rules out stale-while-revalidate, not stale-if-error")
    func requestMaxAgeWhenStale() {
        var maxAge = RequestCacheControl()
        maxAge.maxAge = 50
        #expect(Self.at(105, Self.decision(swr: 10, sie: 100), maxAge) == .staleIfErrorOnly)
    }
}
