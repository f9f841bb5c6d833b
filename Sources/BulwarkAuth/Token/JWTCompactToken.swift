import Foundation

/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded but not yet trusted: the header and
/// payload as JSON objects, the signature bytes, and the signing input `header.payload` they cover.
struct JWTCompactToken {
    /// The largest token accepted, in bytes.
    static let maximumSize = 16 * 1024

    /// The protected header's members.
    var header: [String: ClaimValue]
    /// The payload's claims.
    var payload: [String: ClaimValue]
    /// The bytes the signature covers: the first two parts and the dot between them, as sent.
    var signingInput: ArraySlice<UInt8>
    /// The decoded third part.
    var signature: [UInt8]

    /// Splits and decodes `token`; throws ``AuthFailure/Reason/malformed`` when it is over
    /// ``maximumSize``, not three base64url parts, or its header or payload is not a JSON object.
    init(parsing token: Substring) throws(AuthFailure) {
        let utf8 = token.utf8
        guard utf8.count <= Self.maximumSize else {
            throw AuthFailure(.malformed, "the token is longer than \(Self.maximumSize) bytes")
        }
        let parts = utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw AuthFailure(.malformed, "the token is not three base64url parts separated by dots")
        }
        guard let headerBytes = Base64URL.decode(parts[0]),
            let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else {
            throw AuthFailure(.malformed, "a part of the token is not unpadded base64url")
        }
        guard let header = Self.object(headerBytes) else {
            throw AuthFailure(.malformed, "the token's header is not a JSON object")
        }
        guard let payload = Self.object(payloadBytes) else {
            throw AuthFailure(.malformed, "the token's payload is not a JSON object")
        }
        self.header = header
        self.payload = payload
        self.signature = signature
        self.signingInput = ArraySlice(utf8[parts[0].startIndex..<parts[1].endIndex])
    }

    /// The members of the JSON object in `bytes`; nil when it is not one.
    private static func object(_ bytes: [UInt8]) -> [String: ClaimValue]? {
        guard bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else { return nil }
        return try? JSONDecoder().decode([String: JSONClaim].self, from: Data(bytes)).mapValues(\.value)
    }
}
