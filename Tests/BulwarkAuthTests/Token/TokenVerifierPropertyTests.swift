import BulwarkAuth
import PropertyBased
import Testing

@Suite("Token verifier properties", .timeLimit(.minutes(3)))
struct TokenVerifierPropertyTests {
    /// A verifier for issuer `i` with an RSA, a P-256 and an HMAC issuer, and one valid token of each.
    struct World {
        let verifier: TokenVerifier
        let tokens: [String]

        init() async throws {
            let rsa = TestKeys.rsa(kid: "rsa")
            let ec = TestKeys.p256(kid: "ec")
            let secret = TestKeys.secret(String(repeating: "q", count: 32))
            let jwks = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([rsa, ec]).utf8), algorithms: ["RS256", "ES256"])
            let secretKeys = try await VerificationKeySet.load(secret: secret.secretText, algorithms: ["HS256"])
            verifier = TokenVerifier(
                issuers: [
                    .init(issuer: "i", audiences: ["api"], algorithms: ["RS256", "ES256"], keys: jwks),
                    .init(issuer: "h", audiences: [], algorithms: ["HS256"], keys: secretKeys),
                ],
                leeway: .seconds(10)
            )
            let claims: [String: Any] = ["iss": "i", "aud": ["api", "x"], "sub": "s", "exp": 2_000, "nbf": 1_000, "admin": true]
            tokens = [
                TestKeys.token(claims: claims, signedBy: rsa),
                TestKeys.token(claims: claims, signedBy: ec),
                TestKeys.token(claims: claims, signedBy: ec, kid: .some(nil)),
                TestKeys.token(claims: ["iss": "h", "sub": "s"], signedBy: secret),
            ]
        }
    }

    /// One edit of a token's bytes: replace, insert or delete at a position.
    static func mutate(_ token: [UInt8], kind: Int, position: Int, byte: UInt8) -> [UInt8] {
        var bytes = token
        let index = position % (bytes.count + 1)
        switch kind {
        case 0 where index < bytes.count: bytes[index] = byte
        case 1: bytes.insert(byte, at: index)
        default: if index < bytes.count { bytes.remove(at: index) }
        }
        return bytes
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".utf8)

    @Test("property: a changed token is never verified; the unchanged one always is")
    func mutations() async throws {
        let world = try await World()
        for token in world.tokens {
            #expect(world.verifier.verify(token[...], now: 1_500).token != nil)
        }
        await propertyCheck(
            count: 400,
            input: Gen.int(in: 0...3), Gen.int(in: 0...2).array(of: 1...3), Gen.int(in: 0...100_000).array(of: 3), Gen.uint8().array(of: 3), Gen.bool
        ) { which, kinds, positions, bytes, fromAlphabet in
            let original = Array(world.tokens[which].utf8)
            var mutated = original
            for (step, kind) in kinds.enumerated() {
                let byte = fromAlphabet ? Self.alphabet[Int(bytes[step]) % Self.alphabet.count] : bytes[step]
                mutated = Self.mutate(mutated, kind: kind, position: positions[step], byte: byte)
            }
            let text = String(decoding: mutated, as: UTF8.self)
            let result = world.verifier.verify(text[...], now: 1_500)
            if mutated == original || Array(text.utf8) == original {
                #expect(result.token != nil)
            } else {
                #expect(result.token == nil, "a mutation of token \(which) verified")
            }
        }
    }

    @Test("property: random input never crashes and is never verified")
    func randomInput() async throws {
        let world = try await World()
        let parts = world.tokens[1].split(separator: ".").map(String.init)
        await propertyCheck(
            count: 500,
            input: Gen.int(in: 0...3), Gen<Character>.latin1.string(of: 0...300), Gen.uint8().array(of: 0...64)
        ) { shape, text, raw in
            let candidate: String =
                switch shape {
                case 0: text
                case 1: String(decoding: raw, as: UTF8.self)
                // Random JSON-ish text as a header or a payload, validly encoded, with a real signature after.
                case 2: TestKeys.base64URL(Array(text.utf8)) + "." + parts[1] + "." + parts[2]
                default: parts[0] + "." + TestKeys.base64URL(Array(("{\"iss\":\"i\"," + text).utf8)) + "." + parts[2]
                }
            let result = world.verifier.verify(candidate[...], now: 1_500)
            #expect(result.token == nil)
            if case .refused(let failure) = result, text.count >= 8 {
                #expect(!failure.detail.contains(text))
            }
        }
    }

    @Test("property: nested JSON in a payload does not crash the parser")
    func deepNesting() async throws {
        let world = try await World()
        let parts = world.tokens[1].split(separator: ".").map(String.init)
        await propertyCheck(count: 20, input: Gen.int(in: 1...6000), Gen.bool) { depth, arrays in
            let open = arrays ? "[" : "{\"a\":"
            let close = arrays ? "]" : "}"
            let payload = "{\"iss\":\"i\",\"deep\":" + String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth) + "}"
            let token = parts[0] + "." + TestKeys.base64URL(Array(payload.utf8)) + "." + parts[2]
            let result = world.verifier.verify(token[...], now: 1_500)
            #expect(result.token == nil)
        }
    }
}
