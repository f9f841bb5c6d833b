import NIOCore

/// A value in the Redis serialisation protocol, RESP2 and RESP3.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR …` or RESP3 `!` blob error: a reply error, not a protocol failure.
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$5\r\nhello`: binary-safe bytes.
    case bulkString(ByteBuffer)
    /// `$-1`, `*-1` (RESP2) or `_` (RESP3).
    case null
    /// `*N` followed by N values.
    case array([RESPValue])
    /// RESP3 `,3.14`
    case double(Double)
    /// RESP3 `#t` / `#f`
    case boolean(Bool)
    /// RESP3 `(3492890328409238509324850943850943825024385`
    case bigNumber(String)
    /// RESP3 `=15\r\ntxt:Some string`: the text without its format prefix.
    case verbatimString(String)
    /// RESP3 `%N` followed by N key/value pairs, in wire order.
    case map([RESPPair])
    /// RESP3 `~N` followed by N values.
    case set([RESPValue])
    /// RESP3 `>N`: out-of-band data such as pub/sub messages.
    case push([RESPValue])

    /// The value as text: simple, bulk and verbatim strings, integers and big numbers; `nil` otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let text), .verbatimString(let text), .bigNumber(let text): text
        case .bulkString(let bytes): String(buffer: bytes)
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The value as an integer: integers, and strings holding one; `nil` otherwise.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString, .bulkString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array, set or push; `nil` otherwise.
    public var array: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values): values
        default: nil
        }
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }
}

/// A key/value pair of a RESP3 map.
public struct RESPPair: Sendable, Hashable {
    /// The key.
    public var key: RESPValue
    /// The value.
    public var value: RESPValue
}
