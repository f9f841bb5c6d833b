import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct RateLimitHeadersTests {
    static func headers(_ fields: [(name: String, value: String)]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
    }

    @Test func rendersTheIETFFieldsForADenial() {
        let decision = RateLimitDecision(allowed: false, limit: 5, remaining: 0, resetAfter: .milliseconds(411_200), retryAfter: .milliseconds(411_200))
        let fields = Self.headers(RateLimitHeaders.fields(for: decision, policy: .auth))
        #expect(fields == [
            "RateLimit-Policy": "\"auth\";q=5;w=900",
            "RateLimit": "\"auth\";r=0;t=412",
            "Retry-After": "412",
        ])
    }

    @Test func omitsRetryAfterWhenAllowed() {
        let decision = RateLimitDecision(allowed: true, limit: 30, remaining: 29, resetAfter: .seconds(2), retryAfter: nil)
        let fields = Self.headers(RateLimitHeaders.fields(for: decision, policy: .write))
        #expect(fields["Retry-After"] == nil)
        #expect(fields["RateLimit"] == "\"write\";r=29;t=2")
    }

    @Test func rendersTheLegacyFields() {
        let decision = RateLimitDecision(allowed: false, limit: 5, remaining: 0, resetAfter: .seconds(412), retryAfter: .seconds(100))
        let fields = Self.headers(RateLimitHeaders.fields(for: decision, policy: .auth, style: .legacy))
        #expect(fields == ["RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "412", "Retry-After": "100"])
    }

    @Test func listsSeveralPoliciesAndWaitsForTheLongestDenial() {
        let burst = RateLimitPolicy(name: "burst", limit: 10, per: .seconds(1))
        let fields = Self.headers(RateLimitHeaders.fields(for: [
            (burst, RateLimitDecision(allowed: false, limit: 10, remaining: 0, resetAfter: .seconds(1), retryAfter: .milliseconds(100))),
            (.global, RateLimitDecision(allowed: false, limit: 100, remaining: 0, resetAfter: .seconds(900), retryAfter: .seconds(9))),
        ]))
        #expect(fields["RateLimit-Policy"] == "\"burst\";q=10;w=1, \"global\";q=100;w=900")
        #expect(fields["RateLimit"] == "\"burst\";r=0;t=1, \"global\";r=0;t=900")
        #expect(fields["Retry-After"] == "9")
    }

    @Test func escapesPolicyNames() {
        #expect(RateLimitHeaders.quoted("a\"b\\c\u{7}") == "\"a\\\"b\\\\c\"")
    }

    @Test func presetsAreAvailableByName() {
        #expect(RateLimitPolicy.named("auth") == RateLimitPolicy(name: "auth", limit: 5, per: .seconds(900)))
        #expect(RateLimitPolicy.named("global")?.limit == 100)
        #expect(RateLimitPolicy.named("write")?.window == .seconds(60))
        #expect(RateLimitPolicy.named("upload")?.limit == 10)
        #expect(RateLimitPolicy.named("report")?.window == .seconds(3_600))
        #expect(RateLimitPolicy.named("nope") == nil)
    }
}
