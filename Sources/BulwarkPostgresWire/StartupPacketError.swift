/// Why a client's first packet cannot be served. The session answers with an `08P01` error and closes.
public enum StartupPacketError: Error, Hashable, CustomStringConvertible {
    /// The length field is under 8 or over 10,000 bytes, or does not fit the request kind (an
    /// `SSLRequest` is exactly 8 bytes, a `CancelRequest` 12 to 264).
    case invalidLength(Int)
    /// A protocol other than 3.x (such as 2.0), or an unknown request code.
    case unsupportedProtocol(UInt32)
    /// The parameters are not NUL-terminated name/value pairs ending in one empty name at the very end.
    case malformedParameters
    /// The startup message names no user (or an empty one).
    case missingUser

    /// A sentence for logs and for the error sent to the client.
    public var description: String {
        switch self {
        case .invalidLength(let length):
            "invalid startup packet length \(length)"
        case .unsupportedProtocol(let code):
            "unsupported frontend protocol \(code >> 16).\(code & 0xFFFF): only protocol 3.x is served"
        case .malformedParameters:
            "invalid startup packet layout: expected NUL-terminated name/value pairs and a final NUL"
        case .missingUser:
            "no PostgreSQL user name specified in startup packet"
        }
    }
}
