/// A typed message's header that no PostgreSQL peer would send: the stream is out of step or hostile, and
/// the session must be closed (after an `08P01` error to the client).
public enum MessageScanError: Error, Hashable, CustomStringConvertible {
    /// The length field is under 4 (it counts itself) or over the scanner's maximum.
    case invalidLength(type: UInt8, length: Int32)

    /// A sentence for logs and for the error sent to the client.
    public var description: String {
        switch self {
        case .invalidLength(let type, let length):
            let name = (0x20..<0x7F).contains(type) ? "'\(Character(Unicode.Scalar(type)))'" : "0x\(String(type, radix: 16))"
            return "invalid length \(length) in a message of type \(name)"
        }
    }
}
