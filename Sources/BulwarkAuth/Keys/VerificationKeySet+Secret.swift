import JWTKit

extension VerificationKeySet {
    /// Builds the set from an HMAC secret: one kid-less key with a verifier per algorithm.
    ///
    /// - Parameters:
    ///   - secret: The shared secret; its UTF-8 bytes are the key. It must be at least as long as the
    ///     largest hash output among `algorithms` (32 bytes for HS256, 48 for HS384, 64 for HS512; RFC 7518
    ///     §3.2).
    ///   - algorithms: HS256, HS384 and/or HS512, nothing else.
    /// - Throws: ``KeySetError`` when an algorithm is not HMAC or the secret is too short; the message never
    ///   holds the secret.
    public static func load(secret: String, algorithms: [String]) async throws -> VerificationKeySet {
        try checkKnown(algorithms)
        for algorithm in algorithms where !JWSAlgorithm.hmac.contains(algorithm) {
            throw KeySetError("a secret verifies only HS256, HS384 or HS512, not \(algorithm); use a JWKS for it")
        }
        let length = secret.utf8.count
        for algorithm in Set(algorithms).sorted() {
            let needed = JWSAlgorithm.minimumSecretBytes(algorithm)
            guard length >= needed else {
                throw KeySetError("the secret is shorter than the \(needed) bytes \(algorithm) needs (RFC 7518 §3.2); use a longer random secret")
            }
        }
        var verifiers: [String: any JWTAlgorithm] = [:]
        for algorithm in Set(algorithms) {
            let digest: DigestAlgorithm =
                switch algorithm {
                case "HS384": .sha384
                case "HS512": .sha512
                default: .sha256
                }
            let kid = JWKIdentifier(string: "secret")
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: digest, kid: kid)
            let verifier: any JWTAlgorithm
            do {
                verifier = try await collection.getKey(for: kid, alg: algorithm)
            } catch {
                throw KeySetError("jwt-kit could not make an \(algorithm) verifier from the secret")
            }
            guard verifier.name == algorithm else {
                throw KeySetError("jwt-kit made a \(verifier.name) verifier where \(algorithm) was asked for")
            }
            verifiers[algorithm] = verifier
        }
        return VerificationKeySet(keys: [VerificationKey(keyID: nil, verifiers: verifiers)], skipped: 0)
    }
}
