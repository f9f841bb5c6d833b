import BulwarkTestSupport
import NIOCore
import NIOHPACK

/// One HTTP/2 frame as it travels (RFC 9113 §4.1).
struct RawFrame: Equatable {
    enum Kind: UInt8 {
        case data = 0, headers = 1, priority = 2, rstStream = 3, settings = 4, pushPromise = 5, ping = 6, goAway = 7
        case windowUpdate = 8, continuation = 9
    }

    /// Error codes (RFC 9113 §7).
    enum ErrorCode: UInt32 {
        case noError = 0, protocolError = 1, internalError = 2, flowControlError = 3, settingsTimeout = 4
        case streamClosed = 5, frameSizeError = 6, refusedStream = 7, cancel = 8, compressionError = 9
        case connectError = 10, enhanceYourCalm = 11, inadequateSecurity = 12, http11Required = 13
    }

    var type: UInt8
    var flags: UInt8
    var stream: UInt32
    var payload: [UInt8]

    var kind: Kind? { Kind(rawValue: type) }
    var endStream: Bool { flags & 0x1 != 0 }

    /// The error code of a RST_STREAM or GOAWAY.
    var errorCode: ErrorCode? {
        switch kind {
        case .rstStream where payload.count >= 4: ErrorCode(rawValue: Self.uint32(payload, at: 0))
        case .goAway where payload.count >= 8: ErrorCode(rawValue: Self.uint32(payload, at: 4))
        default: nil
        }
    }

    static func uint32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        bytes[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
    }
}

/// HTTP/2 written byte by byte, for tests that must break the rules a real client keeps (the attack
/// tests): frames, a literal-only HPACK encoder, and a parser for what the server sends back.
enum RawHTTP2 {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func frame(_ kind: RawFrame.Kind, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), kind.rawValue, flags]
            + bigEndian(stream) + payload
    }

    static func settings(_ values: [(UInt16, UInt32)] = []) -> [UInt8] {
        frame(.settings, values.flatMap { [UInt8($0.0 >> 8), UInt8($0.0 & 0xFF)] + bigEndian($0.1) })
    }

    static let settingsAck = frame(.settings, flags: 0x1)

    static func headers(stream: UInt32, _ block: [UInt8], endStream: Bool, endHeaders: Bool = true) -> [UInt8] {
        frame(.headers, flags: (endStream ? 0x1 : 0) | (endHeaders ? 0x4 : 0), stream: stream, block)
    }

    static func continuation(stream: UInt32, _ block: [UInt8], endHeaders: Bool) -> [UInt8] {
        frame(.continuation, flags: endHeaders ? 0x4 : 0, stream: stream, block)
    }

    static func data(stream: UInt32, _ bytes: [UInt8], endStream: Bool) -> [UInt8] {
        frame(.data, flags: endStream ? 0x1 : 0, stream: stream, bytes)
    }

    static func rstStream(stream: UInt32, _ code: RawFrame.ErrorCode = .cancel) -> [UInt8] {
        frame(.rstStream, stream: stream, bigEndian(code.rawValue))
    }

    /// A request's header block: pseudo-headers then `fields`, every one a literal without indexing.
    static func requestBlock(
        method: String = "GET", path: String = "/", authority: String = "localhost", scheme: String = "http",
        _ fields: [(String, String)] = []
    ) -> [UInt8] {
        let all = [(":method", method), (":scheme", scheme), (":authority", authority), (":path", path)] + fields
        return all.flatMap { literal($0.0, $0.1) }
    }

    /// A literal header field without indexing, new name, no Huffman (RFC 7541 §6.2.2).
    static func literal(_ name: String, _ value: String) -> [UInt8] {
        [0x00] + integer(name.utf8.count, prefixBits: 7) + Array(name.utf8) + integer(value.utf8.count, prefixBits: 7) + Array(value.utf8)
    }

    /// A dynamic table size update (RFC 7541 §6.3).
    static func tableSizeUpdate(_ size: Int) -> [UInt8] {
        var bytes = integer(size, prefixBits: 5)
        bytes[0] |= 0x20
        return bytes
    }

    /// An HPACK integer with an N-bit prefix (RFC 7541 §5.1); flag bits of the first byte are left 0.
    static func integer(_ value: Int, prefixBits: Int) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        guard value >= limit else { return [UInt8(value)] }
        var bytes = [UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            bytes.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// The complete frames at the start of `bytes` (a partial frame at the end is left out).
    static func frames(in bytes: [UInt8]) -> [RawFrame] {
        var frames: [RawFrame] = []
        var index = 0
        while bytes.count - index >= 9 {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            guard bytes.count - index - 9 >= length else { break }
            frames.append(RawFrame(
                type: bytes[index + 3], flags: bytes[index + 4], stream: RawFrame.uint32(bytes, at: index + 5),
                payload: Array(bytes[index + 9..<index + 9 + length])
            ))
            index += 9 + length
        }
        return frames
    }
}

/// A client connection speaking HTTP/2 by hand over plain TCP (prior knowledge, h2c): it sends the
/// preface and its SETTINGS, acknowledges the server's, then sends whatever bytes a test builds.
final class RawHTTP2Connection: Sendable {
    let raw: RawConnection

    private init(raw: RawConnection) { self.raw = raw }

    /// Connects to the gateway on `port` and completes the SETTINGS exchange, so the gateway's limits
    /// are in force when the test's first frame arrives.
    static func open(port: Int) async throws -> RawHTTP2Connection {
        let raw = try await RawConnection(port: port)
        try await raw.send(RawHTTP2.preface + RawHTTP2.settings())
        let bytes = await raw.waitForBytes(timeout: .seconds(5)) { bytes in
            RawHTTP2.frames(in: bytes).contains { $0.kind == .settings && $0.flags & 0x1 == 0 }
        }
        guard RawHTTP2.frames(in: bytes).contains(where: { $0.kind == .settings && $0.flags & 0x1 == 0 }) else {
            throw TestFailure("the server sent no SETTINGS after the preface (got \(bytes.count) bytes)")
        }
        try await raw.send(RawHTTP2.settingsAck)
        // The server applies its own settings once this acknowledgement arrives; a PING round trip
        // proves it has been read.
        try await raw.send(RawHTTP2.frame(.ping, [1, 2, 3, 4, 5, 6, 7, 8]))
        await raw.waitForBytes(timeout: .seconds(5)) { bytes in
            RawHTTP2.frames(in: bytes).contains { $0.kind == .ping && $0.flags & 0x1 != 0 }
        }
        return RawHTTP2Connection(raw: raw)
    }

    func send(_ bytes: [UInt8]) async throws { try await raw.send(bytes) }

    var frames: [RawFrame] { RawHTTP2.frames(in: raw.bytes) }
    var closed: Bool { raw.closed }
    var goAway: RawFrame? { frames.first { $0.kind == .goAway } }

    /// Waits until `condition` holds for the frames received (or the server closes, or `timeout` passes).
    @discardableResult
    func wait(timeout: Duration = .seconds(10), until condition: ([RawFrame]) -> Bool) async -> [RawFrame] {
        RawHTTP2.frames(in: await raw.waitForBytes(timeout: timeout) { condition(RawHTTP2.frames(in: $0)) })
    }

    /// The RST_STREAM the server sent for `stream`, if any.
    func reset(of stream: UInt32) -> RawFrame? { frames.first { $0.kind == .rstStream && $0.stream == stream } }

    /// The `:status` of each stream's response head, decoding every header block in order (HPACK's
    /// dynamic table spans the connection).
    func statuses() throws -> [UInt32: Int] {
        var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
        var statuses: [UInt32: Int] = [:]
        var pending: (stream: UInt32, block: [UInt8])?
        for frame in frames {
            switch frame.kind {
            case .headers: pending = (frame.stream, frame.payload)
            case .continuation: pending?.block += frame.payload
            default: continue
            }
            guard frame.flags & 0x4 != 0, let (stream, block) = pending else { continue }
            pending = nil
            var buffer = ByteBuffer(bytes: block)
            let headers = try decoder.decodeHeaders(from: &buffer)
            if statuses[stream] == nil, let status = headers.first(name: ":status").flatMap({ Int($0) }), status >= 200 { statuses[stream] = status }
        }
        return statuses
    }

    func close() async { await raw.close() }
}
