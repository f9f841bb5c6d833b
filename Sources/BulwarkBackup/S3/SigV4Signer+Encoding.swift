import Crypto
import Foundation

extension SigV4Signer {
    /// The lowercase hex SHA-256 of `data`, as used for `x-amz-content-sha256` and the payload hash.
    ///
    /// `sha256Hex(Data())` is `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// URI-encodes `string` the way Signature Version 4 expects.
    ///
    /// Unreserved characters (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`, `.`, `~`) stay as they are; every other
    /// byte of the UTF-8 form becomes `%XX` with uppercase hex, so a space is `%20` (never `+`). A `/`
    /// stays when `encodingSlash` is false (for object key paths) and becomes `%2F` when it is true (for
    /// query keys and values).
    ///
    /// - Parameters:
    ///   - string: The raw text.
    ///   - encodingSlash: Whether `/` is encoded too.
    /// - Returns: The encoded text, e.g. `test%24file.text` for `test$file.text`.
    public static func uriEncode(_ string: String, encodingSlash: Bool) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (byte == UInt8(ascii: "/") && !encodingSlash) {
                encoded.append(byte)
            } else {
                encoded.append(UInt8(ascii: "%"))
                encoded.append(upperHexDigits[Int(byte >> 4)])
                encoded.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Whether `byte` is an unreserved URI character.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)
    private static let lowerHexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        for byte in bytes {
            text.append(lowerHexDigits[Int(byte >> 4)])
            text.append(lowerHexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
