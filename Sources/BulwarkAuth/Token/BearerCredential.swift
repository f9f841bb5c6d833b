/// The bearer token of a request's `Authorization` field (RFC 6750 §2.1), or why there is none.
public enum BearerCredential: Sendable, Equatable {
    /// No `Authorization` field, or one with another scheme (`Basic …`).
    case absent
    /// The token after `Bearer `.
    case token(Substring)
    /// `Bearer` with nothing, only whitespace, or characters outside RFC 6750's b64token after it; an empty
    /// field; or several `Authorization` fields.
    case malformed(AuthFailure)

    /// Reads the credential from every `Authorization` field value of the request. The scheme is
    /// case-insensitive; spaces and tabs around the value and between scheme and token are allowed. The
    /// token must be a b64token: `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`, then `=`s.
    ///
    /// | values | result |
    /// | --- | --- |
    /// | `[]`, `["Basic dXNlcjpwdw=="]` | `.absent` |
    /// | `["Bearer abc.def.ghi"]`, `["bearer  abc"]` | `.token` |
    /// | `["Bearer"]`, `["Bearer a b"]`, `["Bearer a,b"]`, `[""]`, two fields | `.malformed` |
    public static func parse(authorizationValues values: [String]) -> BearerCredential {
        guard let value = values.first else { return .absent }
        guard values.count == 1 else {
            return .malformed(AuthFailure(.malformed, "the request has more than one Authorization field"))
        }
        let field = trimmed(value[...])
        guard !field.isEmpty else {
            return .malformed(AuthFailure(.malformed, "the Authorization field is empty"))
        }
        let scheme = field.prefix { !isWhitespace($0) }
        guard scheme.lowercased() == "bearer" else { return .absent }
        let token = trimmed(field[scheme.endIndex...])
        guard !token.isEmpty else {
            return .malformed(AuthFailure(.malformed, "the Authorization field has the Bearer scheme but no token"))
        }
        guard isB64Token(token) else {
            return .malformed(AuthFailure(.malformed, "the bearer token holds characters RFC 6750 does not allow"))
        }
        return .token(token)
    }

    private static func isWhitespace(_ character: Character) -> Bool { character == " " || character == "\t" }

    private static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !isWhitespace($0) }),
            let last = text.lastIndex(where: { !isWhitespace($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    private static func isB64Token(_ token: Substring) -> Bool {
        let bytes = token.utf8
        let body = bytes.prefix { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default: false
            }
        }
        return !body.isEmpty && bytes[body.endIndex...].allSatisfy { $0 == UInt8(ascii: "=") }
    }
}
