import BulwarkAuth
import Foundation
import JWTKit

/// The cost of verifying a bearer token, with its key already loaded: Bulwark's `TokenVerifier.verify`
/// (what the gateway runs on the event loop for every request carrying a token) against jwt-kit's bare
/// signature check (the floor: only the signature, over bytes already split and decoded) and against
/// `JWTKeyCollection.verify(_:as:)` (jwt-kit as documented: async, through its actor, Codable payload),
/// for RS256 (RSA 2048) and ES256 (P-256); then `TokenRevocation.check` against 10,000 revocations.
@main
struct AuthBenchmarks {
    static let issuer = "https://auth.example.com"

    static func main() async throws {
        let arguments = CommandLine.arguments
        let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 7 : 7
        let now = Date().timeIntervalSince1970
        let claims: [String: Any] = [
            "iss": issuer, "sub": "user-42", "aud": "api", "tenant": "acme", "scope": "read write",
            "iat": Int(now), "exp": Int(now) + 3_600, "jti": "3f2a91c0-5b7e-4d8a-9c1f-6e2d7a0b4c93",
        ]
        let sink = Sink()
        var verified: VerifiedToken?

        print("Token verification, key cached (one thread; median of \(rounds) interleaved rounds; allocations over 200 calls)")
        print(pad("workload", 58) + pad("ns/call", 12) + pad("allocs/call", 13) + "ours / this")
        for key in [try BenchKey.rsa2048(kid: "rsa-1"), BenchKey.p256(kid: "ec-1")] {
            let jwks = try key.jwks()
            let compact = try key.token(claims: claims)
            let keys = try await VerificationKeySet.load(jwks: Array(jwks.utf8), algorithms: [key.algorithm])
            let verifier = TokenVerifier(
                issuers: [TokenVerifier.Issuer(issuer: issuer, audiences: ["api"], algorithms: [key.algorithm], keys: keys)],
                leeway: .seconds(30)
            )
            guard case .verified(let token) = verifier.verify(compact[...], now: now) else {
                fatalError("Bulwark refused the benchmark's \(key.algorithm) token")
            }
            verified = token

            let collection = try await JWTKeyCollection().add(jwksJSON: jwks)
            let algorithm = try await collection.getKey(for: JWKIdentifier(string: key.kid), alg: key.algorithm)
            let split = tokenParts(compact)
            guard (try? algorithm.verify(split.signature, signs: split.signingInput)) == true else {
                fatalError("jwt-kit refused the benchmark's \(key.algorithm) signature")
            }
            _ = try await collection.verify(compact, as: BenchPayload.self)

            let calls = key.algorithm == "RS256" ? 4_000 : 2_000
            let results = await Measure.interleaved(
                [
                    Workload(name: "\(key.algorithm)  Bulwark TokenVerifier.verify (whole token)") { count in
                        for _ in 0..<count {
                            if case .verified = verifier.verify(compact[...], now: now) { sink.count += 1 }
                        }
                    },
                    Workload(name: "\(key.algorithm)  jwt-kit JWTAlgorithm.verify (signature only)") { count in
                        for _ in 0..<count where (try? algorithm.verify(split.signature, signs: split.signingInput)) == true {
                            sink.count += 1
                        }
                    },
                    Workload(name: "\(key.algorithm)  jwt-kit JWTKeyCollection.verify(_:as:) (async)") { count in
                        for _ in 0..<count where (try? await collection.verify(compact, as: BenchPayload.self)) != nil {
                            sink.count += 1
                        }
                    },
                ],
                rounds: rounds, calls: calls, countedCalls: 200
            )
            let ours = results[0].nanosecondsPerCall
            for result in results {
                print(
                    pad(result.name, 58) + pad(String(format: "%.0f", result.nanosecondsPerCall), 12)
                        + pad(String(format: "%.1f", result.allocationsPerCall), 13)
                        + String(format: "%.2fx", ours / result.nanosecondsPerCall)
                )
            }
        }

        guard let verified else { fatalError("no verified token") }
        let entries = 10_000
        let revocation = TokenRevocation(store: MemoryRevocationStore())
        var list = RevocationList(maxTTL: .seconds(86_400), leeway: .seconds(30))
        for number in 0..<entries {
            let entry = RevocationEntry.token(id: RevocationEntry.tokenID(jti: "revoked-\(number)"), expiresAt: now + 3_600)
            try await revocation.revoke(entry)
            list.insert(entry, now: now)
        }
        var revoked = verified
        revoked.tokenID = "revoked-\(entries / 2)"
        precondition(revocation.check(verified) == .allowed && revocation.check(revoked) == .revoked)
        precondition(!list.isRevoked(verified, now: now) && list.isRevoked(revoked, now: now))
        let frozen = list
        print("\nRevocation check, \(revocation.count) entries in memory (median of \(rounds) interleaved rounds of 1,000,000; allocations over 100,000)")
        let results = await Measure.interleaved(
            [
                Workload(name: "TokenRevocation.check, token not revoked") { count in
                    for _ in 0..<count where revocation.check(verified) == .allowed { sink.count += 1 }
                },
                Workload(name: "TokenRevocation.check, token revoked") { count in
                    for _ in 0..<count where revocation.check(revoked) == .revoked { sink.count += 1 }
                },
                Workload(name: "bare RevocationList.isRevoked (no lock, no clock), not revoked") { count in
                    for _ in 0..<count where !frozen.isRevoked(verified, now: now) { sink.count += 1 }
                },
            ],
            rounds: rounds, calls: 1_000_000, countedCalls: 100_000
        )
        for result in results {
            print(
                pad(result.name, 66) + String(format: "%7.1f ns/call   %.2f allocations/call", result.nanosecondsPerCall, result.allocationsPerCall)
            )
        }
        print(String(format: "check / bare lookup: %.2fx", results[0].nanosecondsPerCall / results[2].nanosecondsPerCall))
        precondition(sink.count > 0)
    }

    /// The signing input and the decoded signature of a compact token.
    static func tokenParts(_ token: String) -> (signingInput: [UInt8], signature: [UInt8]) {
        let dot = token.lastIndex(of: ".")!
        return (Array(token[..<dot].utf8), BenchKey.decodeBase64URL(token[token.index(after: dot)...]))
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// Keeps the measured results alive, so that the optimiser cannot drop the calls.
final class Sink {
    var count = 0
}

/// The claims a jwt-kit user would declare, with the checks Bulwark makes (issuer, audience, expiry).
struct BenchPayload: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var tenant: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: "api")
        guard iss.value == AuthBenchmarks.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer") }
    }
}
