import Foundation
import JWTKit

extension VerificationKeySet {
    /// Builds the set from a JWKS document (RFC 7517 §5).
    ///
    /// Each key gets a verifier for every accepted algorithm that fits it: RSA keys RS256/384/512 and
    /// PS256/384/512; EC keys by curve (P-256 ES256, P-384 ES384, P-521 ES512); OKP Ed25519 keys EdDSA. A key
    /// with its own `alg` gets only that one. Keys that do not fit (another `kty` such as `oct`, `use` other
    /// than `sig`, an unknown curve, no accepted algorithm, material jwt-kit refuses such as RSA under 2048
    /// bits) are skipped and counted in ``skipped``. Private parts of a key (`d`, `p`, `q`) are dropped.
    ///
    /// - Parameters:
    ///   - jwks: The document's bytes.
    ///   - algorithms: The algorithms the issuer accepts; HMAC names are ignored here (they need a secret).
    /// - Throws: ``KeySetError`` when the document is not JSON, not a JWKS, or leaves no usable key, or an
    ///   algorithm is unknown.
    public static func load(jwks: [UInt8], algorithms: [String]) async throws -> VerificationKeySet {
        try checkKnown(algorithms)
        let accepted = Set(algorithms)
        let document: JWKSDocument
        do {
            document = try JSONDecoder().decode(JWKSDocument.self, from: Data(jwks))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw KeySetError("the JWKS document is not valid JSON")
        } catch {
            throw KeySetError("the JWKS document is not a JSON object with a \"keys\" array")
        }
        guard !document.keys.isEmpty else { throw KeySetError("the JWKS document has no keys") }
        var keys: [VerificationKey] = []
        for entry in document.keys {
            if let key = await entry.verificationKey(accepted: accepted) { keys.append(key) }
        }
        guard !keys.isEmpty else {
            let listed = algorithms.sorted().joined(separator: ", ")
            throw KeySetError(
                "none of the JWKS document's \(document.keys.count) keys is usable with the accepted algorithms [\(listed)] (supported: RSA, EC P-256/P-384/P-521, OKP Ed25519 signing keys)"
            )
        }
        return VerificationKeySet(keys: keys, skipped: document.keys.count - keys.count)
    }

    /// Throws when an algorithm name is not one Bulwark knows (`none` included).
    static func checkKnown(_ algorithms: [String]) throws {
        guard !algorithms.isEmpty else { throw KeySetError("no algorithms are accepted; list at least one") }
        for name in algorithms where !JWSAlgorithm.all.contains(name) {
            let shown = name.count <= 16 ? "'\(name)'" : "an algorithm name"
            throw KeySetError("\(shown) is not a supported algorithm; use one of \(JWSAlgorithm.all.joined(separator: ", "))")
        }
    }
}

/// A JWKS document whose keys decode one by one, so one unusable key does not sink the others.
private struct JWKSDocument: Decodable {
    var keys: [JWKSEntry]
}

/// One element of `keys`: jwt-kit's `JWK` when it decodes, with the members jwt-kit does not keep.
private struct JWKSEntry: Decodable {
    var jwk: JWK?
    var kty: String?
    var crv: String?
    var use: String?

    private enum CodingKeys: String, CodingKey { case kty, crv, use }

    init(from decoder: any Decoder) throws {
        jwk = try? JWK(from: decoder)
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        kty = try? container?.decodeIfPresent(String.self, forKey: .kty)
        crv = try? container?.decodeIfPresent(String.self, forKey: .crv)
        use = try? container?.decodeIfPresent(String.self, forKey: .use)
    }

    /// The key with a verifier for each accepted algorithm that fits it; nil when there is none.
    func verificationKey(accepted: Set<String>) async -> VerificationKey? {
        guard var jwk, let kty, use == nil || use == "sig" else { return nil }
        let fitting = JWSAlgorithm.fitting(kty: kty, crv: crv)
        let wanted = jwk.algorithm.map { [$0.rawValue] } ?? fitting
        let keyID = jwk.keyIdentifier?.string
        // Verification needs only the public half; never hold private material.
        jwk.privateExponent = nil
        jwk.prime1 = nil
        jwk.prime2 = nil
        var verifiers: [String: any JWTAlgorithm] = [:]
        for algorithm in wanted where fitting.contains(algorithm) && accepted.contains(algorithm) {
            if let verifier = await Self.verifier(for: jwk, algorithm: algorithm) { verifiers[algorithm] = verifier }
        }
        return verifiers.isEmpty ? nil : VerificationKey(keyID: keyID, verifiers: verifiers)
    }

    /// jwt-kit's verifier of `jwk` for `algorithm`, from a collection of its own: a collection caches the
    /// first signer it makes for a key and answers any later `alg` with it, and falls back to its default
    /// key for an unknown `kid`, so each (key, algorithm) pair gets a fresh one.
    private static func verifier(for jwk: JWK, algorithm: String) async -> (any JWTAlgorithm)? {
        var jwk = jwk
        let kid = JWKIdentifier(string: "key")
        jwk.keyIdentifier = kid
        let collection = JWTKeyCollection()
        guard (try? await collection.add(jwk: jwk)) != nil,
            let verifier = try? await collection.getKey(for: kid, alg: algorithm),
            verifier.name == algorithm
        else { return nil }
        return verifier
    }
}
