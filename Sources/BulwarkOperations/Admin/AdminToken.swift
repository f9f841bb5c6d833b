import Crypto
import Foundation
import NIOHTTP1

/// The admin bearer token, checked in constant time: both sides are hashed with SHA-256 and the
/// digests compared without an early exit, so neither the content nor the length leaks through timing.
public struct AdminToken: Sendable {
    private let digest: [UInt8]

    /// A token; nil or empty means none.
    public init?(_ token: String?) {
        guard let token, !token.isEmpty else { return nil }
        digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `candidate` is the token.
    public func matches(_ candidate: String) -> Bool {
        let other = Array(SHA256.hash(data: Array(candidate.utf8)))
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ other[index] }
        return difference == 0
    }

    /// Whether `headers` carry `Authorization: Bearer <token>`.
    func authorizes(_ headers: HTTPHeaders) -> Bool {
        guard let value = headers.first(name: "Authorization") else { return false }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        return matches(parts[1].trimmingCharacters(in: .whitespaces))
    }
}
