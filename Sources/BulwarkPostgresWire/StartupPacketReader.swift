import NIOCore

/// Reads one startup packet (``StartupRequest``) from the front of a buffer, incrementally.
///
/// Checks run as soon as their bytes are there, in a fixed order (length, then code, then the rest), so a
/// bad packet is refused without waiting for all of it, and the same error comes out however the bytes
/// were split. The reader keeps no state between calls: after an ``StartupRequest/sslRequest`` is refused
/// the same reader reads the startup message that follows.
public struct StartupPacketReader: Sendable {
    /// The shortest packet: a length and a code.
    public static let minimumLength = 8
    /// The longest packet PostgreSQL accepts (`MAX_STARTUP_PACKET_LENGTH`).
    public static let maximumLength = 10_000

    /// A reader.
    public init() {}

    /// Returns the request and the packet's raw bytes (to forward unchanged), or nil when more bytes are
    /// needed; consumes the packet from `buffer` (and nothing when it returns nil or throws).
    ///
    /// - Throws: ``StartupPacketError``; the session should answer with `08P01` and close.
    public mutating func read(from buffer: inout ByteBuffer) throws -> (request: StartupRequest, raw: ByteBuffer)? {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, as: Int32.self) else { return nil }
        guard length >= Self.minimumLength, length <= Self.maximumLength else {
            throw StartupPacketError.invalidLength(Int(length))
        }
        guard let code = buffer.getInteger(at: start + 4, as: UInt32.self) else { return nil }
        let kind = try Self.kind(code: code, length: Int(length))
        guard buffer.readableBytes >= Int(length), var packet = buffer.getSlice(at: start, length: Int(length)) else {
            return nil
        }
        let raw = packet
        packet.moveReaderIndex(forwardBy: 8)
        let request: StartupRequest
        switch kind {
        case .startup:
            request = .startup(try StartupMessage(protocolVersion: code, parameters: Self.parameters(packet)))
        case .ssl:
            request = .sslRequest
        case .gss:
            request = .gssEncryptionRequest
        case .cancel:
            let processID = packet.readInteger(as: Int32.self)!  // kind(code:length:) checked the length
            request = .cancel(BackendKey(processID: processID, secretKey: Array(packet.readableBytesView)))
        }
        buffer.moveReaderIndex(forwardBy: Int(length))
        return (request, raw)
    }

    private enum Kind { case startup, ssl, gss, cancel }

    /// The request kind for `code`, checking that `length` fits it.
    private static func kind(code: UInt32, length: Int) throws(StartupPacketError) -> Kind {
        switch code {
        case StartupRequest.sslRequestCode, StartupRequest.gssEncryptionRequestCode:
            guard length == 8 else { throw .invalidLength(length) }
            return code == StartupRequest.sslRequestCode ? .ssl : .gss
        case StartupRequest.cancelRequestCode:
            let secret = length - 12
            guard secret >= BackendKey.minimumSecretLength, secret <= BackendKey.maximumSecretLength else {
                throw .invalidLength(length)
            }
            return .cancel
        case _ where code >> 16 == 3:
            // At least the terminating NUL of the parameter list.
            guard length >= 9 else { throw .invalidLength(length) }
            return .startup
        default:
            throw .unsupportedProtocol(code)
        }
    }

    /// `name\0value\0…name\0value\0\0`, the final NUL being the packet's last byte.
    private static func parameters(_ body: ByteBuffer) throws(StartupPacketError) -> [String: String] {
        var parameters: [String: String] = [:]
        let bytes = body.readableBytesView
        var index = bytes.startIndex
        func string() throws(StartupPacketError) -> String {
            guard let end = bytes[index...].firstIndex(of: 0) else { throw .malformedParameters }
            defer { index = end + 1 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }
        while true {
            let name = try string()
            if name.isEmpty { break }
            parameters[name] = try string()
        }
        guard index == bytes.endIndex else { throw .malformedParameters }
        return parameters
    }
}
