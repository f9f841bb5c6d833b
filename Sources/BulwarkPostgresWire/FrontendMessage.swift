import NIOCore

/// Decoders for the client message bodies the proxy reads. Each returns nil on a malformed body and never
/// traps; strings are decoded as UTF-8, invalid sequences replaced.
public enum FrontendMessage {
    /// The SQL of a simple `Query` ('Q'): one C string that ends the body.
    public static func queryText(_ body: ByteBuffer) -> String? {
        var body = body
        guard let text = body.readNullTerminatedString(), body.readableBytes == 0 else { return nil }
        return text
    }

    /// The statement name (`""` for the unnamed one) and SQL of a `Parse` ('P').
    ///
    /// Only the two leading C strings are read, not the parameter types after them, so a captured prefix
    /// that holds both strings is enough.
    public static func parse(_ body: ByteBuffer) -> (statementName: String, query: String)? {
        var body = body
        guard let name = body.readNullTerminatedString(), let query = body.readNullTerminatedString() else { return nil }
        return (name, query)
    }

    /// The statement a `Bind` ('B') names (`""` for the unnamed one): its second C string, after the portal.
    ///
    /// Only the two leading C strings are read, so a captured prefix that holds both is enough.
    public static func bindStatementName(_ body: ByteBuffer) -> String? {
        var body = body
        guard body.readNullTerminatedString() != nil, let statement = body.readNullTerminatedString() else { return nil }
        return statement
    }

    /// The SQL of a scanned `Query` ('Q'), or of a `Parse` ('P'): whole when the body was captured whole,
    /// else the captured prefix of it (up to the capture limit, so a long statement is still timed and shown).
    ///
    /// - Returns: nil for other types, an uncaptured body, or a malformed one.
    public static func statementText(of message: ScannedMessage) -> String? {
        guard var body = message.body else { return nil }
        if !message.isTruncated {
            switch message.type {
            case UInt8(ascii: "Q"): return queryText(body)
            case UInt8(ascii: "P"): return parse(body)?.query
            default: return nil
            }
        }
        switch message.type {
        case UInt8(ascii: "Q"):
            break
        case UInt8(ascii: "P"):
            guard body.readNullTerminatedString() != nil else { return nil }
        default:
            return nil
        }
        // The SQL runs to its NUL, or past the end of what was captured.
        let text = body.readableBytesView.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }
}
