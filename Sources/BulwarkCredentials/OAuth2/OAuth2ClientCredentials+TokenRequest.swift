import Foundation

extension OAuth2ClientCredentials {
    /// The form body of the token request: `grant_type=client_credentials`, then `scope` and `audience`
    /// when set, then `client_id` and `client_secret` with ``AuthMethod/post``.
    func tokenRequestBody() -> String {
        var fields = [("grant_type", "client_credentials")]
        if let scope { fields.append(("scope", scope)) }
        if let audience { fields.append(("audience", audience)) }
        if authMethod == .post {
            fields.append(("client_id", clientID))
            fields.append(("client_secret", clientSecret))
        }
        return fields.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
    }

    /// `Basic base64(urlencode(client_id):urlencode(client_secret))` (RFC 6749 §2.3.1) with
    /// ``AuthMethod/basic``; `nil` with ``AuthMethod/post``.
    func authorizationHeader() -> String? {
        guard authMethod == .basic else { return nil }
        let pair = "\(Self.formEncoded(clientID)):\(Self.formEncoded(clientSecret))"
        return "Basic \(Data(pair.utf8).base64EncodedString())"
    }

    /// `application/x-www-form-urlencoded` encoding of one name or value: ASCII letters, digits and
    /// `*-._` stay, a space becomes `+`, every other byte of the UTF-8 form becomes `%XX`.
    static func formEncoded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result.append("+")
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return result
    }
}
