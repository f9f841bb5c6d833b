import BulwarkAuth
import Testing

/// The 401's `WWW-Authenticate` challenge (RFC 6750 §3).
@Suite("Auth failure challenge")
struct AuthFailureTests {
    @Test("the description keeps its meaning in the ASCII RFC 6750 allows: quotes, dashes and ellipses in ASCII form")
    func challengeIsReadableASCII() {
        let failure = AuthFailure(.wrongAlgorithm, "unsigned tokens (alg \"none\") are never accepted — the token’s ‘aud’ … \\ ✓")
        let challenge = failure.challenge()
        #expect(challenge == #"Bearer realm="bulwark", error="invalid_token", error_description="unsigned tokens (alg 'none') are never accepted - the token's 'aud' ... / ?""#)
        let inner = challenge.drop { $0 != "=" }
        #expect(inner.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
    }

    @Test("a missing token is invalid_request; every other reason invalid_token")
    func errorCodes() {
        for reason in AuthFailure.Reason.allCases {
            #expect(AuthFailure(reason, "x").errorCode == (reason == .missing ? "invalid_request" : "invalid_token"))
        }
    }
}
