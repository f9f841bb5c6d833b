import Crypto
import Foundation
import _CryptoExtras

/// A key generated for a test: its private half signs tokens, its public half is published as a JWK.
struct TestKey: Sendable {
    /// The key material.
    enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        /// An HMAC secret (never published in a JWKS).
        case secret([UInt8])
    }

    /// The `kid` published and put in token headers; nil for a kid-less key.
    var kid: String?
    /// The key.
    var material: Material
    /// The JWK `alg` member to publish, when set.
    var alg: String?

    /// The algorithm a token signed by this key uses by default.
    var defaultAlgorithm: String {
        switch material {
        case .rsa: "RS256"
        case .p256: "ES256"
        case .p384: "ES384"
        case .p521: "ES512"
        case .ed25519: "EdDSA"
        case .secret: "HS256"
        }
    }

    /// The public JWK's members.
    var publicJWK: [String: String] {
        var members: [String: String] = [:]
        switch material {
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            members = ["kty": "RSA", "n": TestKeys.base64URL(primitives.modulus), "e": TestKeys.base64URL(primitives.publicExponent)]
        case .p256(let key): members = Self.ec("P-256", key.publicKey.rawRepresentation)
        case .p384(let key): members = Self.ec("P-384", key.publicKey.rawRepresentation)
        case .p521(let key): members = Self.ec("P-521", key.publicKey.rawRepresentation)
        case .ed25519(let key):
            members = ["kty": "OKP", "crv": "Ed25519", "x": TestKeys.base64URL(key.publicKey.rawRepresentation)]
        case .secret(let bytes):
            members = ["kty": "oct", "k": TestKeys.base64URL(bytes)]
        }
        if let kid { members["kid"] = kid }
        if let alg { members["alg"] = alg }
        return members
    }

    /// The public JWK as JSON text.
    var jwkJSON: String { TestKeys.json(publicJWK) }

    /// The secret as a string, for `VerificationKeySet.load(secret:)` (only for `.secret` keys made from text).
    var secretText: String {
        guard case .secret(let bytes) = material else { fatalError("not a secret") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The signature of `input` with `algorithm` (the JWS bytes: raw r‖s for ECDSA).
    func sign(_ input: [UInt8], algorithm: String) throws -> [UInt8] {
        switch (material, algorithm) {
        case (.rsa(let key), _) where algorithm.hasPrefix("RS") || algorithm.hasPrefix("PS"):
            let padding: _RSA.Signing.Padding = algorithm.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            let signature: _RSA.Signing.RSASignature =
                switch algorithm.dropFirst(2) {
                case "384": try key.signature(for: SHA384.hash(data: input), padding: padding)
                case "512": try key.signature(for: SHA512.hash(data: input), padding: padding)
                default: try key.signature(for: SHA256.hash(data: input), padding: padding)
                }
            return Array(signature.rawRepresentation)
        case (.p256(let key), _): return Array(try key.signature(for: input).rawRepresentation)
        case (.p384(let key), _): return Array(try key.signature(for: input).rawRepresentation)
        case (.p521(let key), _): return Array(try key.signature(for: input).rawRepresentation)
        case (.ed25519(let key), _): return Array(try key.signature(for: input))
        case (.secret(let bytes), _): return TestKeys.hmac(input, secret: bytes, algorithm: algorithm)
        case (.rsa, _): throw TestKeys.Unsupported()
        }
    }

    private static func ec(_ curve: String, _ raw: Data) -> [String: String] {
        let half = raw.count / 2
        return ["kty": "EC", "crv": curve, "x": TestKeys.base64URL(raw.prefix(half)), "y": TestKeys.base64URL(raw.suffix(half))]
    }
}

/// Keys, JWKS documents and tokens for tests, including every kind of forged token.
///
/// ```swift
/// let key = TestKeys.rsa(kid: "k1")
/// let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([key]).utf8), algorithms: ["RS256"])
/// let token = TestKeys.token(claims: ["iss": "https://issuer", "exp": 2_000_000_000], signedBy: key)
/// ```
enum TestKeys {
    struct Unsupported: Error {}

    /// A fresh RSA 2048 key. Generation is slow in debug builds: make one per test, not per example.
    static func rsa(kid: String?, alg: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048)), alg: alg)
    }

    /// A fresh P-256 key.
    static func p256(kid: String?, alg: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .p256(P256.Signing.PrivateKey()), alg: alg)
    }

    /// A fresh P-384 key.
    static func p384(kid: String?, alg: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .p384(P384.Signing.PrivateKey()), alg: alg)
    }

    /// A fresh P-521 key.
    static func p521(kid: String?, alg: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .p521(P521.Signing.PrivateKey()), alg: alg)
    }

    /// A fresh Ed25519 key.
    static func ed25519(kid: String?, alg: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .ed25519(Curve25519.Signing.PrivateKey()), alg: alg)
    }

    /// An HMAC secret from `text`.
    static func secret(_ text: String, kid: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .secret(Array(text.utf8)))
    }

    /// The JWKS document `{"keys":[…]}` of the keys' public halves.
    static func jwks(_ keys: [TestKey]) -> String {
        "{\"keys\":[" + keys.map(\.jwkJSON).joined(separator: ",") + "]}"
    }

    /// A compact token of the exact `header` and `payload` JSON texts, signed with `key` using `algorithm`
    /// (default: the key's), or carrying `signature` verbatim when given (or an empty one without a key).
    static func token(header: String, payload: String, signedBy key: TestKey?, algorithm: String? = nil, signature: [UInt8]? = nil) -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let bytes = signature ?? (try! key.map { try $0.sign(Array(input.utf8), algorithm: algorithm ?? $0.defaultAlgorithm) } ?? [])
        return input + "." + base64URL(bytes)
    }

    /// A token with `claims` as payload and a header of `alg` (default: the key's) and the key's `kid`
    /// (`kid: .some(nil)` leaves it out), plus `extraHeader` members.
    static func token(claims: [String: Any], signedBy key: TestKey, alg: String? = nil, kid: String?? = nil, extraHeader: [String: Any] = [:]) -> String {
        let algorithm = alg ?? key.defaultAlgorithm
        var header: [String: Any] = ["alg": algorithm, "typ": "JWT"]
        if let kid = kid ?? key.kid { header["kid"] = kid }
        header.merge(extraHeader) { _, new in new }
        return token(header: json(header), payload: json(claims), signedBy: key, algorithm: algorithm)
    }

    /// JSON text of `object`, keys sorted.
    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Unpadded base64url.
    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// HMAC of `input` with `secret` for HS256/384/512.
    static func hmac(_ input: [UInt8], secret: [UInt8], algorithm: String) -> [UInt8] {
        let key = SymmetricKey(data: secret)
        return switch algorithm {
        case "HS384": Array(HMAC<SHA384>.authenticationCode(for: input, using: key))
        case "HS512": Array(HMAC<SHA512>.authenticationCode(for: input, using: key))
        default: Array(HMAC<SHA256>.authenticationCode(for: input, using: key))
        }
    }
}

extension TestKeys {
    /// An HMAC secret of arbitrary bytes (a forger's, say).
    static func secretBytes(_ bytes: [UInt8], kid: String? = nil) -> TestKey {
        TestKey(kid: kid, material: .secret(bytes))
    }
}
