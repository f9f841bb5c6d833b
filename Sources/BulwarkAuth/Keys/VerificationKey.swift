import JWTKit

/// One key of a ``VerificationKeySet``: its `kid` (nil for a kid-less JWK or a secret) and a ready verifier
/// for each algorithm the key may check. Built once, asynchronously, through jwt-kit; used synchronously.
struct VerificationKey: Sendable {
    /// The JWK's `kid`, when it has one.
    var keyID: String?
    /// The verifier for each algorithm name (`RS256`, `ES256`, …) this key takes.
    var verifiers: [String: any JWTAlgorithm]

    /// Whether the signature over `signingInput` verifies with this key for `algorithm`; false when the key
    /// does not take `algorithm`, or the verifier throws (a signature of the wrong size, for one).
    func verifies(_ signature: [UInt8], signs signingInput: ArraySlice<UInt8>, algorithm: String) -> Bool {
        guard let verifier = verifiers[algorithm] else { return false }
        return (try? verifier.verify(signature, signs: signingInput)) ?? false
    }
}
