import Testing

@testable import BulwarkAuth

@Suite("Verification key set", .timeLimit(.minutes(2)))
struct VerificationKeySetTests {
    /// A set with no keys, as a provider holds before its first load.
    static let empty = VerificationKeySet(keys: [], skipped: 0)

    static let asymmetric = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    func load(_ json: String, _ algorithms: [String] = asymmetric) async throws -> VerificationKeySet {
        try await VerificationKeySet.load(jwks: Array(json.utf8), algorithms: algorithms)
    }

    func error(_ body: () async throws -> VerificationKeySet) async -> KeySetError? {
        do {
            _ = try await body()
            return nil
        } catch let error as KeySetError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test("each key gets a verifier for every accepted algorithm that fits it")
    func fitting() async throws {
        let rsa = TestKeys.rsa(kid: "rsa")
        let keys = [rsa, TestKeys.p256(kid: "p256"), TestKeys.p384(kid: "p384"), TestKeys.p521(kid: "p521"), TestKeys.ed25519(kid: "ed")]
        let set = try await load(TestKeys.jwks(keys))
        #expect(set.count == 5)
        #expect(set.skipped == 0)
        #expect(set.keyIDs == ["ed", "p256", "p384", "p521", "rsa"])
        #expect(set.contains(keyID: "p384"))
        #expect(!set.contains(keyID: "nope"))
        let algorithms = Dictionary(uniqueKeysWithValues: set.keys.map { ($0.keyID!, Set($0.verifiers.keys)) })
        #expect(algorithms["rsa"] == ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
        #expect(algorithms["p256"] == ["ES256"])
        #expect(algorithms["p384"] == ["ES384"])
        #expect(algorithms["p521"] == ["ES512"])
        #expect(algorithms["ed"] == ["EdDSA"])
        // Each verifier is jwt-kit's for exactly that algorithm.
        for key in set.keys {
            for (name, verifier) in key.verifiers { #expect(verifier.name == name) }
        }
    }

    @Test("only accepted algorithms get verifiers; a key none fits is skipped")
    func acceptedOnly() async throws {
        let set = try await load(TestKeys.jwks([TestKeys.rsa(kid: "rsa"), TestKeys.p256(kid: "ec")]), ["PS384", "RS256"])
        #expect(set.keyIDs == ["rsa"])
        #expect(set.skipped == 1)
        #expect(Set(set.keys[0].verifiers.keys) == ["PS384", "RS256"])
    }

    @Test("a JWK with its own alg gets only that algorithm, and none when it is not accepted or does not fit")
    func ownAlgorithm() async throws {
        let pinned = TestKeys.rsa(kid: "pinned", alg: "PS256")
        let set = try await load(TestKeys.jwks([pinned, TestKeys.p256(kid: "misfit", alg: "ES384"), TestKeys.p256(kid: "ok")]))
        #expect(set.keyIDs == ["ok", "pinned"])
        #expect(set.keys.first { $0.keyID == "pinned" }.map { Set($0.verifiers.keys) } == ["PS256"])
        #expect(set.skipped == 1)
        let notAccepted = await error { try await load(TestKeys.jwks([pinned]), ["RS256"]) }
        #expect(notAccepted != nil)
    }

    @Test("keys of another type, for encryption, or that jwt-kit cannot load are skipped and counted")
    func skipped() async throws {
        let good = TestKeys.p256(kid: "good")
        let encryption = "{\"kty\":\"EC\",\"use\":\"enc\",\"kid\":\"enc\",\"crv\":\"P-256\",\"x\":\"\(good.publicJWK["x"]!)\",\"y\":\"\(good.publicJWK["y"]!)\"}"
        let document = "{\"keys\":[" + [
            "{\"kty\":\"oct\",\"kid\":\"sym\",\"k\":\"c2VjcmV0\"}",
            "{\"kty\":\"RSA\",\"kid\":\"short\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
            "{\"kty\":\"EC\",\"kid\":\"offcurve\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
            "{\"kty\":\"EC\",\"kid\":\"nocurve\",\"x\":\"\(good.publicJWK["x"]!)\",\"y\":\"\(good.publicJWK["y"]!)\"}",
            "{\"kty\":\"OKP\",\"kid\":\"x25519\",\"crv\":\"X25519\",\"x\":\"AAAA\"}",
            "{\"kty\":\"RSA\",\"kid\":\"oaep\",\"alg\":\"RSA-OAEP\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
            "42",
            encryption,
            good.jwkJSON,
        ].joined(separator: ",") + "],\"extra\":true}"
        let set = try await load(document)
        #expect(set.keyIDs == ["good"])
        #expect(set.count == 1)
        #expect(set.skipped == 8)
    }

    @Test("a key without kid is loaded and has no key ID")
    func kidless() async throws {
        let set = try await load(TestKeys.jwks([TestKeys.p256(kid: nil), TestKeys.p256(kid: "b")]))
        #expect(set.count == 2)
        #expect(set.keyIDs == ["b"])
    }

    @Test("documents that are not a JWKS, or leave no usable key, are refused without key material in the message")
    func refused() async throws {
        let rsa = TestKeys.rsa(kid: "rsa")
        let cases: [(String, [String], String)] = [
            ("{\"keys\":", ["RS256"], "not valid JSON"),
            ("not json", ["RS256"], "not valid JSON"),
            ("[1,2]", ["RS256"], "\"keys\" array"),
            ("{\"keys\":{}}", ["RS256"], "\"keys\" array"),
            ("{\"other\":[]}", ["RS256"], "\"keys\" array"),
            ("{\"keys\":[]}", ["RS256"], "has no keys"),
            (TestKeys.jwks([rsa]), ["ES256"], "none of the JWKS document's 1 keys"),
            (TestKeys.jwks([rsa]), ["HS256"], "none of the JWKS document's 1 keys"),
            (TestKeys.jwks([rsa]), [], "no algorithms"),
            (TestKeys.jwks([rsa]), ["none"], "'none' is not a supported algorithm"),
        ]
        for (document, algorithms, expected) in cases {
            let failure = await error { try await load(document, algorithms) }
            #expect(failure?.message.contains(expected) == true, "\(document.prefix(20)) \(algorithms): \(String(describing: failure))")
            #expect(failure?.message.contains(rsa.publicJWK["n"]!) == false)
        }
    }

    @Test("a secret gives one kid-less key with a verifier per HMAC algorithm")
    func secret() async throws {
        let secret = String(repeating: "s3cr3t!-", count: 8)
        let set = try await VerificationKeySet.load(secret: secret, algorithms: ["HS256", "HS384", "HS512"])
        #expect(set.count == 1)
        #expect(set.keyIDs.isEmpty)
        #expect(Set(set.keys[0].verifiers.keys) == ["HS256", "HS384", "HS512"])
        let input = Array("a.b".utf8)
        let mac = TestKeys.hmac(input, secret: Array(secret.utf8), algorithm: "HS384")
        #expect(set.keys[0].verifies(mac, signs: input[...], algorithm: "HS384"))
        #expect(!set.keys[0].verifies(mac, signs: input[...], algorithm: "HS512"))
    }

    @Test("a secret refuses other algorithms and secrets shorter than the hash, never quoting the secret")
    func secretRefused() async throws {
        let short = "short-secret-value"
        let thirtyTwo = String(repeating: "k", count: 32)
        let cases: [(String, [String], String)] = [
            (thirtyTwo, ["RS256"], "verifies only HS256, HS384 or HS512"),
            (thirtyTwo, ["HS256", "ES256"], "verifies only HS256, HS384 or HS512"),
            (short, ["HS256"], "32 bytes HS256 needs"),
            (thirtyTwo, ["HS256", "HS512"], "64 bytes HS512 needs"),
            ("", ["HS256"], "32 bytes"),
            (thirtyTwo, [], "no algorithms"),
        ]
        for (secret, algorithms, expected) in cases {
            let failure = await error { try await VerificationKeySet.load(secret: secret, algorithms: algorithms) }
            #expect(failure?.message.contains(expected) == true, "\(algorithms): \(String(describing: failure))")
            if !secret.isEmpty { #expect(failure?.message.contains(secret) == false) }
        }
        let exact = try await VerificationKeySet.load(secret: thirtyTwo, algorithms: ["HS256"])
        #expect(exact.count == 1)
    }
}
