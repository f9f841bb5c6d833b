import NIOCore

/// Watches one direction of a session after startup and reports the typed messages in it, while the
/// caller forwards the bytes themselves unchanged and unbuffered. Chunks may split a message anywhere,
/// inside the 5-byte header too.
///
/// This runs on every read of the relay, so it is cheap: a message of a type not of interest costs one
/// header read and an addition (its body is skipped by arithmetic, never looked at), and the only bytes
/// copied are captured bodies that span chunks. A body that ends in the chunk it started in is a slice of
/// that chunk (no copy; it shares the chunk's storage, so do not keep it for long).
///
/// ```swift
/// var scanner = MessageScanner(interesting: [UInt8(ascii: "Q")])
/// for message in try scanner.scan(chunk) where message.type == UInt8(ascii: "Q") {
///     let text = message.body.flatMap(FrontendMessage.queryText)
/// }
/// ```
public struct MessageScanner: Sendable {
    /// PostgreSQL's own `MaxAllocSize`: 1 GiB.
    public static let defaultMaximumLength = 1 << 30

    /// The most body bytes reported for a message of interest.
    public let captureLimit: Int
    /// The largest length field accepted (the field counts itself).
    public let maximumLength: Int

    private let interest: TypeMask
    /// Header bytes seen so far (type byte, then the length's big-endian bytes), when a chunk ended in one.
    private var pendingHeader: UInt64 = 0
    private var pendingHeaderCount = 0
    /// The message whose body is being passed over, when a chunk ended in one.
    private var current: Body?
    private var failure: MessageScanError?

    /// A scanner that captures bodies of the `interesting` types.
    ///
    /// - Parameters:
    ///   - interesting: Type bytes whose bodies are reported (others are reported with a nil body).
    ///   - captureLimit: The most body bytes kept per message; longer bodies are reported truncated.
    ///   - maximumLength: The largest length field accepted; a larger one makes ``scan(_:)`` throw.
    public init(interesting: Set<UInt8>, captureLimit: Int = 65_536, maximumLength: Int = defaultMaximumLength) {
        self.interest = TypeMask(interesting)
        self.captureLimit = max(0, captureLimit)
        self.maximumLength = maximumLength
    }

    /// Whether the bytes scanned so far end exactly at the end of a message.
    public var isAtMessageBoundary: Bool { pendingHeaderCount == 0 && current == nil }

    /// Every message that ends inside `chunk`, in order; a message of a type not of interest is reported
    /// too, with a nil body.
    ///
    /// - Throws: ``MessageScanError`` on an impossible length; the stream cannot be followed any further,
    ///   so the session must be closed. Messages of the same chunk before the bad header are not reported,
    ///   and every later call throws the same error.
    public mutating func scan(_ chunk: ByteBuffer) throws -> [ScannedMessage] {
        var messages: [ScannedMessage] = []
        try scan(chunk, reportingAll: true, into: &messages)
        return messages
    }

    /// Appends to `messages` the messages of interest that end inside `chunk`, in order, and leaves the
    /// others out: for the relay's hot path, where a caller-owned array is emptied (keeping its capacity)
    /// and reused on every read, so that reads full of other messages (result rows) allocate nothing.
    ///
    /// - Throws: ``MessageScanError``, as ``scan(_:)`` does.
    public mutating func scanInteresting(_ chunk: ByteBuffer, into messages: inout [ScannedMessage]) throws {
        try scan(chunk, reportingAll: false, into: &messages)
    }

    private mutating func scan(_ chunk: ByteBuffer, reportingAll: Bool, into messages: inout [ScannedMessage]) throws {
        if let failure { throw failure }
        var index = chunk.readerIndex
        let end = chunk.writerIndex
        while index < end {
            if var body = current {
                current = nil  // so that appending to a captured body does not copy it
                let count = min(body.remaining, end - index)
                if body.interesting { capture(chunk, at: index, count: count, into: &body) }
                body.remaining -= count
                index += count
                if body.remaining == 0 {
                    if reportingAll || body.interesting { messages.append(body.message) }
                } else {
                    current = body
                }
                continue
            }
            let type: UInt8
            let length: Int32
            if pendingHeaderCount == 0, end - index >= 5 {
                type = chunk.getInteger(at: index)!
                length = chunk.getInteger(at: index + 1)!
                index += 5
            } else {
                while pendingHeaderCount < 5, index < end {
                    pendingHeader = pendingHeader << 8 | UInt64(chunk.getInteger(at: index, as: UInt8.self)!)
                    pendingHeaderCount += 1
                    index += 1
                }
                guard pendingHeaderCount == 5 else { break }
                type = UInt8(truncatingIfNeeded: pendingHeader >> 32)
                length = Int32(bitPattern: UInt32(truncatingIfNeeded: pendingHeader))
                pendingHeader = 0
                pendingHeaderCount = 0
            }
            guard length >= 4, Int(length) <= maximumLength else {
                let error = MessageScanError.invalidLength(type: type, length: length)
                failure = error
                throw error
            }
            let body = Body(type: type, bodyLength: Int(length) - 4, interesting: interest.contains(type))
            if body.remaining == 0 {
                if reportingAll || body.interesting { messages.append(body.message) }
            } else {
                current = body
            }
        }
    }

    /// Keeps the part of `chunk[index..<index+count]` that falls under the capture limit.
    private func capture(_ chunk: ByteBuffer, at index: Int, count: Int, into body: inout Body) {
        let offset = body.bodyLength - body.remaining
        let wanted = min(captureLimit, body.bodyLength) - offset
        let taken = min(count, wanted)
        guard taken > 0, let slice = chunk.getSlice(at: index, length: taken) else { return }
        if body.captured == nil {
            body.captured = slice
        } else {
            body.captured!.writeImmutableBuffer(slice)
        }
    }

    /// A message whose body has not all been seen yet.
    private struct Body: Sendable {
        let type: UInt8
        let bodyLength: Int
        let interesting: Bool
        var remaining: Int
        var captured: ByteBuffer?

        init(type: UInt8, bodyLength: Int, interesting: Bool) {
            self.type = type
            self.bodyLength = bodyLength
            self.interesting = interesting
            self.remaining = bodyLength
        }

        var message: ScannedMessage {
            guard interesting else { return ScannedMessage(type: type, bodyLength: bodyLength, body: nil) }
            let body = captured ?? ByteBuffer()
            return ScannedMessage(type: type, bodyLength: bodyLength, body: body, isTruncated: body.readableBytes < bodyLength)
        }
    }
}

/// A set of type bytes as 256 bits: membership is a shift and a mask.
private struct TypeMask: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ types: Set<UInt8>) {
        for type in types {
            let bit = UInt64(1) << (type & 63)
            switch type >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }
    }

    func contains(_ type: UInt8) -> Bool {
        let word = switch type >> 6 {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
        return word & (UInt64(1) << (type & 63)) != 0
    }
}
