import BulwarkAuth
import BulwarkConfig
@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

/// The gateway's pure authentication decisions: what a route makes of a request's token, the claim
/// headers it forwards, claim-matched routing, `claim:` rate-limit keys and the exchange machine's wait
/// for keys.
@Suite("Gateway authentication decisions")
struct AuthDecisionTests {
    static func token(_ claims: [String: ClaimValue], jti: String? = "t-1") -> VerifiedToken {
        VerifiedToken(issuer: "https://issuer.test", subject: "user-1", tokenID: jti, issuedAt: 100, expiresAt: 200, claims: Claims(claims), fingerprint: "ab")
    }

    static let expired = AuthFailure(.expired, "the token has expired")

    @Test("required passes only a verified token; optional also passes none; off passes everything")
    func routeModes() {
        let verified = RequestAuthentication.verified(Self.token([:]))
        #expect(verified.refusal(under: .required) == nil)
        #expect(verified.refusal(under: .optional) == nil)
        #expect(RequestAuthentication.anonymous.refusal(under: .required)?.reason == .missing)
        #expect(RequestAuthentication.anonymous.refusal(under: .optional) == nil)
        #expect(RequestAuthentication.refused(Self.expired).refusal(under: .required) == Self.expired)
        #expect(RequestAuthentication.refused(Self.expired).refusal(under: .optional) == Self.expired)
        for outcome in [verified, .anonymous, .refused(Self.expired)] {
            #expect(outcome.refusal(under: .off) == nil)
            #expect(outcome.token(under: .off) == nil)
        }
        #expect(verified.token(under: .optional)?.subject == "user-1")
    }

    @Test("forwarded claims: strings, numbers and arrays as text; absent claims and objects left out")
    func forwardedClaims() throws {
        let forwarded = [
            ForwardedClaim(header: "X-User-Id", claim: "sub"), ForwardedClaim(header: "X-Tenant-Id", claim: "tenant"),
            ForwardedClaim(header: "X-Level", claim: "level"), ForwardedClaim(header: "X-Roles", claim: "roles"),
            ForwardedClaim(header: "X-Missing", claim: "missing"), ForwardedClaim(header: "X-Org", claim: "org"),
        ]
        let token = Self.token([
            "sub": .string("user-1"), "tenant": .string("acme"), "level": .number(3), "roles": .array([.string("a"), .string("b")]),
            "org": .object(["id": .string("x")]),
        ])
        let fields = try ForwardedClaimHeaders.fields(forwarded, token: token).get()
        let pairs = fields.map { "\($0.name)=\($0.value)" }
        #expect(pairs == ["X-User-Id=user-1", "X-Tenant-Id=acme", "X-Level=3", "X-Roles=a,b"])
        #expect(try ForwardedClaimHeaders.fields(forwarded, token: nil).get().isEmpty)
    }

    @Test("a claim value holding CR, LF or another control character is refused, never forwarded", arguments: ["a\r\nX-Admin: 1", "a\nb", "a\rb", "a\u{0}b", "a\u{7F}"])
    func unsafeClaim(_ value: String) {
        let forwarded = [ForwardedClaim(header: "X-User-Id", claim: "sub")]
        guard case .failure(let failure) = ForwardedClaimHeaders.fields(forwarded, token: Self.token(["sub": .string(value)])) else {
            Issue.record("a claim with a control character was accepted")
            return
        }
        #expect(failure.reason == .unsafeClaim)
        #expect(!failure.detail.contains(value))
    }

    @Test("the client's copies of claim headers are removed under either spelling; the verified ones are set")
    func claimHeadersCrossTheTrustBoundaryOnlyFromTokens() throws {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api", headers: HTTPHeaders([
            ("Host", "example.test"), ("X-User-Id", "admin"), ("x_user_id", "admin"), ("X-Other", "kept"),
        ]))
        let vetted = try RequestVetting.vet(head, limits: .init()).get()
        let removed = ForwardedClaimHeaders.removedNames([ForwardedClaim(header: "X-User-Id", claim: "sub")])
        let anonymous = UpstreamRequestHead.make(from: head, vetted: vetted, origin: .init(
            peer: "127.0.0.1", peerIsTrusted: false, clientAddress: "127.0.0.1", requestID: "r", claims: .init(removed: removed, fields: [])
        ))
        #expect(anonymous.headers["X-User-Id"].isEmpty)
        #expect(anonymous.headers["x_user_id"].isEmpty)
        #expect(anonymous.headers["X-Other"] == ["kept"])
        let verified = UpstreamRequestHead.make(from: head, vetted: vetted, origin: .init(
            peer: "127.0.0.1", peerIsTrusted: false, clientAddress: "127.0.0.1", requestID: "r",
            claims: .init(removed: removed, fields: [("X-User-Id", "user-1")])
        ))
        #expect(verified.headers["X-User-Id"] == ["user-1"])
    }

    @Test("routes[].claims: every named claim must match; arrays match by element; no token never matches")
    func claimRouting() {
        let claims = Claims(["tenant": .string("acme"), "roles": .array([.string("admin"), .string("dev")]), "tier": .number(2), "beta": .bool(true)])
        #expect(Router.claims(claims, match: [:]))
        #expect(Router.claims(nil, match: [:]))
        #expect(Router.claims(claims, match: ["tenant": "acme"]))
        #expect(!Router.claims(claims, match: ["tenant": "globex"]))
        #expect(Router.claims(claims, match: ["roles": "admin", "tier": "2", "beta": "true"]))
        #expect(!Router.claims(claims, match: ["roles": "ops"]))
        #expect(!Router.claims(claims, match: ["missing": "x"]))
        #expect(!Router.claims(nil, match: ["tenant": "acme"]))
    }

    @Test("claim:NAME keys: one key per claim value, the same on every instance; no claim falls back to the client address")
    func claimRateLimitKeys() {
        let tenant = RateLimitClass(policy: RateLimitPolicy.named("global")!, key: .claim("tenant"))
        let acme = Claims(["tenant": .string("acme")])
        let key = RouteRateLimiter.key(for: tenant, clientAddress: "10.0.0.1", headers: [:], claims: acme)
        #expect(key.hasPrefix("c:"))
        #expect(key.count == 2 + 2 * RouteRateLimiter.headerKeyDigestBytes)
        #expect(key == RouteRateLimiter.key(for: tenant, clientAddress: "10.0.0.2", headers: [:], claims: acme))
        #expect(key != RouteRateLimiter.key(for: tenant, clientAddress: "10.0.0.1", headers: [:], claims: Claims(["tenant": .string("globex")])))
        // A header of the same value keys apart from the claim.
        #expect(key.dropFirst(2) == RouteRateLimiter.headerKey("acme").dropFirst(2))
        #expect(key != RouteRateLimiter.headerKey("acme"))
        #expect(RouteRateLimiter.key(for: tenant, clientAddress: "10.0.0.1", headers: [:], claims: nil) == "ip:10.0.0.1")
        #expect(RouteRateLimiter.key(for: tenant, clientAddress: "10.0.0.1", headers: [:], claims: Claims([:])) == "ip:10.0.0.1")
    }

    @Test("waiting for keys keeps the body; the request then goes on, or is refused with its framing known")
    func machineWaitsForKeys() {
        let request = ExchangeStateMachineTests.request(.length(4))
        var machine = ExchangeStateMachine(method: .POST)
        #expect(machine.keysRequested(request) == .none)
        #expect(machine.state == .authenticating)
        #expect(machine.requestBodyReceived(ExchangeStateMachineTests.bytes(4)) == .none)
        #expect(machine.deadlinePassed() == .none)
        let now = ExchangeStateMachineTests.now
        #expect(machine.headAccepted(request, policy: ExchangeStateMachineTests.policy(), now: now) == .admit(sendContinue: false, deadline: now + 5 * ExchangeStateMachineTests.second))

        var refused = ExchangeStateMachine(method: .POST)
        _ = refused.keysRequested(request)
        let action = refused.authenticationRefused(Self.expired, request: request)
        guard case .answer(.unauthorized(let failure), nil, let completion) = action else {
            Issue.record("expected a 401 answer, got \(action)")
            return
        }
        #expect(failure == Self.expired)
        #expect(completion.unreadBody == 4)
        #expect(refused.responseStatus == 401)

        // Refused before any wait: the body the head announced is still to be read.
        var direct = ExchangeStateMachine(method: .POST)
        guard case .answer(_, nil, let directCompletion) = direct.authenticationRefused(Self.expired, request: request) else {
            Issue.record("expected an answer")
            return
        }
        #expect(directCompletion.unreadBody == 4)
        #expect(direct.keysRequested(request) == .none)
        #expect(direct.isFinished)
    }

    @Test("a declared body over the limit is answered 413 rather than waiting for keys")
    func oversizedBodyNotHeld() {
        var machine = ExchangeStateMachine(method: .POST)
        let action = machine.keysRequested(ExchangeStateMachineTests.request(.length(100), maxBody: 10))
        guard case .answer(.declaredBodyTooLarge(length: 100, limit: 10), _, _) = action else {
            Issue.record("expected 413, got \(action)")
            return
        }
    }

    @Test("the 401 names the reason in WWW-Authenticate and the problem document, never the token")
    func unauthorizedAnswer() throws {
        let failure = AuthFailure(.expired, "the token has expired")
        let (head, body) = GatewayResponses.unauthorized(failure, instance: "/api", requestID: "r-1", allocator: ByteBufferAllocator())
        #expect(head.status == .unauthorized)
        #expect(head.headers["WWW-Authenticate"] == [#"Bearer realm="bulwark", error="invalid_token", error_description="the token has expired""#])
        #expect(head.headers["Content-Type"] == ["application/problem+json"])
        let text = String(buffer: body)
        #expect(text.contains(#""reason":"token_expired""#))
        #expect(text.contains(#""status":401"#))
    }

    @Test("the access log names the verified subject as actor, and leaves the field out without one")
    func accessLogActor() {
        var entry = AccessLogEntry(
            requestID: "r", method: "GET", path: "/api", status: 200, route: "api", target: nil, attempts: 1,
            durationNanoseconds: 1000, client: "10.0.0.1", bytesSent: 2
        )
        #expect(!AccessLog.render(entry).contains("actor"))
        entry.actor = "user-\"1"
        #expect(AccessLog.render(entry).contains(#""actor":"user-\"1"}"#))
    }
}
