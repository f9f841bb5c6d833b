import Crypto
import Foundation
import _CryptoExtras

/// A signing key made for the benchmark: its private half signs the token, its public half goes into the
/// JWKS that Bulwark and jwt-kit load. (Adapted from the tests' `TestKeys`, which benchmarks cannot import.)
struct BenchKey {
    enum Material {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    let kid: String
    let material: Material

    var algorithm: String {
        switch material {
        case .rsa: "RS256"
        case .p256: "ES256"
        }
    }

    static func rsa2048(kid: String) throws -> BenchKey {
        BenchKey(kid: kid, material: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
    }

    static func p256(kid: String) -> BenchKey {
        BenchKey(kid: kid, material: .p256(P256.Signing.PrivateKey()))
    }

    /// The JWKS document `{"keys":[…]}` with this key's public half (with `kid`, `alg` and `use`).
    func jwks() throws -> String {
        var members: [String: String] = ["kid": kid, "alg": algorithm, "use": "sig"]
        switch material {
        case .rsa(let key):
            let primitives = try key.publicKey.getKeyPrimitives()
            members["kty"] = "RSA"
            members["n"] = Self.base64URL(primitives.modulus)
            members["e"] = Self.base64URL(primitives.publicExponent)
        case .p256(let key):
            let raw = key.publicKey.rawRepresentation
            members["kty"] = "EC"
            members["crv"] = "P-256"
            members["x"] = Self.base64URL(raw.prefix(32))
            members["y"] = Self.base64URL(raw.suffix(32))
        }
        return "{\"keys\":[" + (try Self.json(members)) + "]}"
    }

    /// A compact token of `claims`, header `{"alg","kid","typ":"JWT"}`, signed with this key.
    func token(claims: [String: Any]) throws -> String {
        let header = try Self.json(["alg": algorithm, "kid": kid, "typ": "JWT"])
        let input = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(try Self.json(claims).utf8))
        let signature: Data
        switch material {
        case .rsa(let key):
            signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5).rawRepresentation
        case .p256(let key):
            signature = try key.signature(for: Data(input.utf8)).rawRepresentation
        }
        return input + "." + Self.base64URL(signature)
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8] {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Array(Data(base64Encoded: base64) ?? Data())
    }
}
