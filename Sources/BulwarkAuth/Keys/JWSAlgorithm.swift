/// The JWS `alg` names Bulwark verifies, and which keys fit each (RFC 7518 §3.1, RFC 8037 §3.1).
enum JWSAlgorithm {
    /// HMAC: only with a secret.
    static let hmac: [String] = ["HS256", "HS384", "HS512"]
    /// RSA keys: PKCS#1 v1.5 and PSS.
    static let rsa: [String] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
    /// Every name Bulwark knows.
    static let all: [String] = hmac + rsa + ["ES256", "ES384", "ES512", "EdDSA"]

    /// The algorithms a JWK of type `kty` (and curve `crv` for EC and OKP) can verify.
    static func fitting(kty: String, crv: String?) -> [String] {
        switch (kty, crv) {
        case ("RSA", _): rsa
        case ("EC", "P-256"): ["ES256"]
        case ("EC", "P-384"): ["ES384"]
        case ("EC", "P-521"): ["ES512"]
        case ("OKP", "Ed25519"): ["EdDSA"]
        default: []
        }
    }

    /// The smallest HMAC secret, in bytes, for `algorithm`: the hash output size (RFC 7518 §3.2).
    static func minimumSecretBytes(_ algorithm: String) -> Int {
        switch algorithm {
        case "HS384": 48
        case "HS512": 64
        default: 32
        }
    }
}
