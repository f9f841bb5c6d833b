import Foundation
import JWTKit

extension KeySetProvider {
    /// What a reload to `issuers` would trip on in its `jwks_file`s, found at once and without waiting:
    /// each file read and decoded as a JSON Web Key Set with at least one key, each problem as
    /// `(issuer, message)`; the messages never hold key material. URLs are not fetched (one that is down
    /// keeps its keys and is retried) and secrets are checked when loaded. The full load
    /// (``reload(_:leeway:)``) follows in the background; it keeps the old keys if it fails anyway.
    public static func fileProblems(_ issuers: [IssuerConfiguration]) -> [(issuer: String, message: String)] {
        issuers.compactMap { issuer in
            guard case .file(let path) = issuer.source else { return nil }
            switch JWKSFile.read(path).1 {
            case .failure(let failure):
                return (issuer.issuer, failure.message)
            case .success(let bytes):
                guard let set = try? JSONDecoder().decode(JWKS.self, from: Data(bytes)) else {
                    return (issuer.issuer, "jwks_file \(path) is not a JSON Web Key Set ({\"keys\": [...]})")
                }
                if set.keys.isEmpty { return (issuer.issuer, "jwks_file \(path) holds no key") }
                return nil
            }
        }
    }
}
