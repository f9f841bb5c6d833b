import Crypto
import Foundation
import _CryptoExtras

/// A key made for a test: its private half signs tokens, its public half goes into a JWKS.
struct MintKey: Sendable {
    enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        /// An HMAC secret (never published).
        case secret([UInt8])
    }

    /// The `kid` published and put in token headers; nil for a kid-less key.
    var kid: String?
    var material: Material

    /// The algorithm tokens signed by this key use unless told otherwise.
    var defaultAlgorithm: String {
        switch material {
        case .rsa: "RS256"
        case .p256: "ES256"
        case .secret: "HS256"
        }
    }

    /// The public JWK's members.
    var publicJWK: [String: String] {
        var members: [String: String]
        switch material {
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            members = ["kty": "RSA", "n": TokenMint.base64URL(primitives.modulus), "e": TokenMint.base64URL(primitives.publicExponent)]
        case .p256(let key):
            let raw = key.publicKey.rawRepresentation
            members = ["kty": "EC", "crv": "P-256", "x": TokenMint.base64URL(raw.prefix(32)), "y": TokenMint.base64URL(raw.suffix(32))]
        case .secret(let bytes):
            members = ["kty": "oct", "k": TokenMint.base64URL(bytes)]
        }
        if let kid { members["kid"] = kid }
        return members
    }

    /// The RSA public key's PEM (SubjectPublicKeyInfo): what an attacker would use as an HMAC secret.
    var publicPEM: String {
        guard case .rsa(let key) = material else { fatalError("not an RSA key") }
        return key.publicKey.pemRepresentation
    }

    /// The RSA public key's DER bytes.
    var publicDER: [UInt8] {
        guard case .rsa(let key) = material else { fatalError("not an RSA key") }
        return Array(key.publicKey.derRepresentation)
    }

    /// The JWS signature of `input` with `algorithm`.
    func sign(_ input: [UInt8], algorithm: String) -> [UInt8] {
        switch material {
        case .rsa(let key):
            return Array(try! key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        case .p256(let key):
            return Array(try! key.signature(for: input).rawRepresentation)
        case .secret(let bytes):
            return TokenMint.hmac(input, secret: bytes)
        }
    }
}

/// Keys, JWKS documents and signed compact tokens, made in the test.
///
/// ```swift
/// let key = TokenMint.rsa(kid: "k1")
/// try TokenMint.jwks([key]).write(to: file, atomically: true, encoding: .utf8)
/// let token = TokenMint.token(["iss": TokenMint.issuer, "aud": "api", "exp": TokenMint.now + 300], key)
/// ```
enum TokenMint {
    static let issuer = "https://auth.example.test"

    /// Seconds since 1970, now (the gateway under test reads the same wall clock).
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// A fresh RSA 2048 key (slow in debug builds: one per test).
    static func rsa(kid: String?) -> MintKey { MintKey(kid: kid, material: .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))) }

    /// A fresh P-256 key.
    static func p256(kid: String?) -> MintKey { MintKey(kid: kid, material: .p256(P256.Signing.PrivateKey())) }

    /// An HMAC key from arbitrary bytes.
    static func secret(_ bytes: [UInt8], kid: String? = nil) -> MintKey { MintKey(kid: kid, material: .secret(bytes)) }

    /// `{"keys":[…]}` of the keys' public halves.
    static func jwks(_ keys: [MintKey]) -> String {
        "{\"keys\":[" + keys.map { json($0.publicJWK) }.joined(separator: ",") + "]}"
    }

    /// A token of `claims` signed by `key` (header: `alg` default the key's, its `kid` unless `kid` says
    /// otherwise: `.some(nil)` leaves it out).
    static func token(_ claims: [String: Any], _ key: MintKey, alg: String? = nil, kid: String?? = nil) -> String {
        let algorithm = alg ?? key.defaultAlgorithm
        var header: [String: Any] = ["alg": algorithm, "typ": "JWT"]
        if let kid = kid ?? key.kid { header["kid"] = kid }
        return token(header: json(header), payload: json(claims), signedBy: key, algorithm: algorithm)
    }

    /// A token of the exact header and payload texts, signed by `key` with `algorithm`, or with an empty
    /// signature when `key` is nil.
    static func token(header: String, payload: String, signedBy key: MintKey?, algorithm: String) -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let signature = key.map { $0.sign(Array(input.utf8), algorithm: algorithm) } ?? []
        return input + "." + base64URL(signature)
    }

    /// The standard claims of a good token: `iss`, `aud: api`, `sub`, `iat` now, `exp` in 5 minutes, a
    /// fresh `jti`, plus `extra`.
    static func claims(_ extra: [String: Any] = [:], subject: String = "user-1", audience: String = "api", life: Int = 300) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + life, "jti": UUID().uuidString,
        ]
        claims.merge(extra) { _, new in new }
        return claims
    }

    /// What revokes a token without `jti`: the lowercase hex SHA-256 of its signed part, `header.payload`.
    static func signedPartSHA256(_ token: String) -> String {
        let signed = token.lastIndex(of: ".").map { token[..<$0] } ?? token[...]
        return SHA256.hash(data: Array(signed.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hmac(_ input: [UInt8], secret: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: secret)))
    }
}
