/// The keys that verify one issuer's tokens, each with a ready verifier per accepted algorithm that fits it.
///
/// Built once, asynchronously, from a JWKS document (``load(jwks:algorithms:)``) or an HMAC secret
/// (``load(secret:algorithms:)``) through jwt-kit; afterwards it is a plain `Sendable` value that verifies
/// signatures synchronously, so an event loop never hops to do it. A key never verifies an algorithm
/// outside its family: an RSA key has no HS256 verifier, so a token cannot pick HMAC with a public key as
/// the secret.
///
/// ```swift
/// let keys = try await VerificationKeySet.load(jwks: Array(body), algorithms: ["RS256", "ES256"])
/// logger.info("loaded \(keys.count) keys (\(keys.skipped) skipped): \(keys.keyIDs)")
/// ```
public struct VerificationKeySet: Sendable {
    /// The usable keys, in document order.
    let keys: [VerificationKey]
    /// How many keys of the document were not usable.
    public let skipped: Int

    init(keys: [VerificationKey], skipped: Int) {
        self.keys = keys
        self.skipped = skipped
    }

    /// The `kid`s of the loaded keys, sorted, each once.
    public var keyIDs: [String] { Set(keys.compactMap(\.keyID)).sorted() }

    /// How many keys were loaded.
    public var count: Int { keys.count }

    /// Whether a loaded key has `kid` `keyID`.
    public func contains(keyID: String) -> Bool {
        keys.contains { $0.keyID == keyID }
    }

    /// The keys a token's `kid` selects: those with that `kid`; every key when no key has a `kid` (a
    /// secret, or a JWKS without kids, where the token's `kid` means nothing to us). Empty when the `kid`
    /// is unknown, which may mean the issuer rotated its keys.
    func candidates(keyID: String?) -> [VerificationKey] {
        guard let keyID else { return keys }
        let named = keys.filter { $0.keyID == keyID }
        guard named.isEmpty else { return named }
        return keys.allSatisfy { $0.keyID == nil } ? keys : []
    }
}
