import BulwarkAuth
import Crypto
import Foundation
import Testing

@Suite("Token refusals", .timeLimit(.minutes(2)))
struct TokenRefusalTests {
    /// Each forged case, what it must be refused as, and that no detail quotes the token.
    @Test("every bad token is refused for its reason, and the detail never quotes the token")
    func table() async throws {
        let fixture = try await VerifierFixture()
        let ec = fixture.ec
        let claims = VerifierFixture.claims()
        let good = TestKeys.token(claims: claims, signedBy: ec)
        let parts = good.split(separator: ".").map(String.init)
        let signature = try #require(Data(base64Encoded: parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="))
        #expect(signature.count == 64)
        let der = try P256.Signing.ECDSASignature(rawRepresentation: signature).derRepresentation
        let header = TestKeys.json(["alg": "ES256", "kid": "ec"])
        let payload = TestKeys.json(claims)
        func signed(header: String = header, payload: String = payload) -> String {
            TestKeys.token(header: header, payload: payload, signedBy: ec, algorithm: "ES256")
        }
        func withHeader(_ members: [String: Any]) -> String { signed(header: TestKeys.json(members)) }
        func withClaims(_ changes: [String: Any]) -> String { TestKeys.token(claims: VerifierFixture.claims(changes), signedBy: ec) }
        let longIssuer = String(repeating: "https://evil.example/", count: 20)

        let cases: [(String, String, AuthFailure.Reason)] = [
            ("two parts", parts[0] + "." + parts[1], .malformed),
            ("four parts", good + ".AAAA", .malformed),
            ("empty", "", .malformed),
            ("dots only", "..", .malformed),
            ("padding", parts[0] + "=." + parts[1] + "." + parts[2], .malformed),
            ("standard base64 characters", parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+") + "+", .malformed),
            ("a space", parts[0] + ". " + parts[1] + "." + parts[2], .malformed),
            ("header not JSON", signed(header: "{alg:ES256}"), .malformed),
            ("header an array", signed(header: "[\"ES256\"]"), .malformed),
            ("payload not an object", signed(payload: "\"hello\""), .malformed),
            ("payload a number", signed(payload: "42"), .malformed),
            ("payload with trailing garbage", signed(payload: payload + "x"), .malformed),
            ("over 16 KiB", withClaims(["pad": String(repeating: "a", count: 16 * 1024)]), .malformed),
            ("no alg", withHeader(["kid": "ec"]), .malformed),
            ("alg not a string", withHeader(["alg": 256, "kid": "ec"]), .malformed),
            ("crit", withHeader(["alg": "ES256", "kid": "ec", "crit": ["exp"]]), .malformed),
            ("b64 false", withHeader(["alg": "ES256", "kid": "ec", "b64": false]), .malformed),
            ("kid not a string", withHeader(["alg": "ES256", "kid": 1]), .malformed),
            ("alg none", TestKeys.token(header: TestKeys.json(["alg": "none"]), payload: payload, signedBy: nil), .wrongAlgorithm),
            ("alg NONE", TestKeys.token(header: TestKeys.json(["alg": "NONE", "kid": "ec"]), payload: payload, signedBy: nil), .wrongAlgorithm),
            ("alg nOnE with a signature", withHeader(["alg": "nOnE", "kid": "ec"]), .wrongAlgorithm),
            ("alg none before a missing issuer", TestKeys.token(header: TestKeys.json(["alg": "none"]), payload: "{}", signedBy: nil), .wrongAlgorithm),
            ("no iss", TestKeys.token(claims: ["aud": "api"], signedBy: ec), .wrongIssuer),
            ("iss not configured", withClaims(["iss": "https://other.example"]), .wrongIssuer),
            ("iss a long string", withClaims(["iss": longIssuer]), .wrongIssuer),
            ("iss not a string", withClaims(["iss": 1]), .wrongIssuer),
            ("iss differing in case", withClaims(["iss": VerifierFixture.issuer.uppercased()]), .wrongIssuer),
            ("alg the issuer does not accept", TestKeys.token(claims: claims, signedBy: fixture.rsa, alg: "RS512"), .wrongAlgorithm),
            ("alg unknown", withHeader(["alg": "XS256", "kid": "ec"]), .wrongAlgorithm),
            ("alg of another family than the named key", TestKeys.token(claims: claims, signedBy: fixture.rsa, alg: "RS256", kid: "ec"), .wrongAlgorithm),
            ("signed by another key", TestKeys.token(claims: claims, signedBy: TestKeys.p256(kid: "ec")), .badSignature),
            ("an ES256 signature under a PS256 header naming the RSA key", TestKeys.token(claims: claims, signedBy: ec, kid: "rsa", extraHeader: ["alg": "PS256"]), .badSignature),
            ("empty signature", parts[0] + "." + parts[1] + ".", .badSignature),
            ("short signature", parts[0] + "." + parts[1] + "." + TestKeys.base64URL(signature.dropLast()), .badSignature),
            ("long signature", parts[0] + "." + parts[1] + "." + TestKeys.base64URL(signature + [0]), .badSignature),
            ("DER signature", parts[0] + "." + parts[1] + "." + TestKeys.base64URL(der), .badSignature),
            ("payload swapped", parts[0] + "." + TestKeys.base64URL(Array(TestKeys.json(VerifierFixture.claims(["sub": "admin"])).utf8)) + "." + parts[2], .badSignature),
            ("an embedded jwk is ignored", embeddedKey(claims), .badSignature),
            ("expired", withClaims(["exp": VerifierFixture.now - 31]), .expired),
            ("not before", withClaims(["nbf": VerifierFixture.now + 31]), .notYetValid),
            ("issued in the future", withClaims(["iat": VerifierFixture.now + 31]), .notYetValid),
            ("exp a string", withClaims(["exp": "\(VerifierFixture.now + 300)"]), .malformed),
            ("nbf a bool", withClaims(["nbf": true]), .malformed),
            ("iat null", withClaims(["iat": NSNull()]), .malformed),
            ("sub an object", withClaims(["sub": ["id": 1]]), .malformed),
            ("wrong audience", withClaims(["aud": "web"]), .wrongAudience),
        ]
        for (name, token, expected) in cases {
            let result = fixture.verify(token)
            guard case .refused(let failure) = result else {
                Issue.record("\(name): \(result), expected \(expected)")
                continue
            }
            #expect(failure.reason == expected, "\(name): \(failure)")
            #expect(failure.detail.count < 120, "\(name)")
            for part in token.split(separator: ".") where part.count >= 4 {
                #expect(!failure.detail.contains(part), "\(name) quotes the token")
            }
            #expect(!failure.detail.contains("evil"), "\(name) quotes the issuer")
        }
        #expect(fixture.verify(good).token != nil)
    }

    /// A token signed by the attacker's key that carries that key's JWK in its header (CVE-2018-0114 style).
    func embeddedKey(_ claims: [String: Any]) -> String {
        let attacker = TestKeys.p256(kid: "ec")
        return TestKeys.token(claims: claims, signedBy: attacker, extraHeader: ["jwk": attacker.publicJWK])
    }

    @Test("a second kid-named JWK with the same kid but another type is also tried")
    func sameKidTwoTypes() async throws {
        let rsa = TestKeys.rsa(kid: "k")
        let ec = TestKeys.p256(kid: "k")
        let set = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([rsa, ec]).utf8), algorithms: ["RS256", "ES256"])
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["RS256", "ES256"], keys: set)], leeway: .zero)
        #expect(set.keyIDs == ["k"])
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: rsa)[...], now: 0).token != nil)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: ec)[...], now: 0).token != nil)
    }
}
