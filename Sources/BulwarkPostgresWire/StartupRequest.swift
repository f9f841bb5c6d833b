import NIOCore

/// What a client sends first: the untyped, length-prefixed packet that opens (or cancels) a session.
///
/// On the wire each kind is an `Int32` length (counting itself), an `Int32` code, and a kind-specific rest:
/// a protocol version and `name\0value\0…\0` parameters for ``startup(_:)``, nothing for the two encryption
/// requests, and a process ID plus secret key for ``cancel(_:)``.
public enum StartupRequest: Sendable, Hashable {
    /// A `StartupMessage` of protocol 3.x (major 3; any minor version is accepted).
    case startup(StartupMessage)
    /// `SSLRequest` (code 80877103): the client asks for TLS before its startup message.
    case sslRequest
    /// `GSSENCRequest` (code 80877104): the client asks for GSSAPI encryption before its startup message.
    case gssEncryptionRequest
    /// `CancelRequest` (code 80877102), sent on a new connection to cancel a query of another session.
    case cancel(BackendKey)

    /// The code of `SSLRequest`: 1234 in the upper 16 bits, 5679 in the lower.
    public static let sslRequestCode: UInt32 = 80_877_103
    /// The code of `GSSENCRequest`: 1234 in the upper 16 bits, 5680 in the lower.
    public static let gssEncryptionRequestCode: UInt32 = 80_877_104
    /// The code of `CancelRequest`: 1234 in the upper 16 bits, 5678 in the lower.
    public static let cancelRequestCode: UInt32 = 80_877_102

    /// Writes the packet, length first, so that ``StartupPacketReader`` reads it back as `self`.
    ///
    /// A startup message writes its ``StartupMessage/parameters`` in sorted order (so the bytes are
    /// deterministic); ``StartupMessage/user`` and ``StartupMessage/database`` are written from the
    /// dictionary, so keep them in it. Names and values must not hold NUL bytes (a parsed packet's never do).
    public func encode(into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(Int32(0))  // patched below
        switch self {
        case .startup(let message):
            buffer.writeInteger(message.protocolVersion)
            for (name, value) in message.parameters.sorted(by: { $0.key < $1.key }) {
                buffer.writeNullTerminatedString(name)
                buffer.writeNullTerminatedString(value)
            }
            buffer.writeInteger(UInt8(0))
        case .sslRequest:
            buffer.writeInteger(Self.sslRequestCode)
        case .gssEncryptionRequest:
            buffer.writeInteger(Self.gssEncryptionRequestCode)
        case .cancel(let key):
            buffer.writeInteger(Self.cancelRequestCode)
            buffer.writeInteger(key.processID)
            buffer.writeBytes(key.secretKey)
        }
        buffer.setInteger(Int32(buffer.writerIndex - start), at: start)
    }
}
