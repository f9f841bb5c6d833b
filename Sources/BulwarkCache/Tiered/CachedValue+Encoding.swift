import NIOCore

extension CachedValue {
    /// The envelope's first two bytes: `B` and the format version.
    static let header: [UInt8] = [0x42, 1]

    /// The shared tier's form: `B`, version 1, five big-endian Int64 times, the tag count and each tag
    /// (UInt16 length, UTF-8), then the value's bytes to the end.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 2 + 40 + 2 + tags.reduce(0) { $0 + 2 + $1.utf8.count } + bytes.readableBytes)
        buffer.writeBytes(Self.header)
        for time in [storedAt, freshUntil, revalidateUntil, errorUntil, loadMilliseconds] { buffer.writeInteger(time) }
        buffer.writeInteger(UInt16(clamping: tags.count))
        for tag in tags.prefix(Int(UInt16.max)) {
            let utf8 = Array(tag.utf8.prefix(Int(UInt16.max)))
            buffer.writeInteger(UInt16(utf8.count))
            buffer.writeBytes(utf8)
        }
        var value = bytes
        buffer.writeBuffer(&value)
        return buffer
    }

    /// Reads ``encoded(allocator:)``; nil for anything else (another format, a truncated value), which the
    /// cache treats as a miss.
    public init?(encoded: ByteBuffer) {
        var buffer = encoded
        guard buffer.readBytes(length: 2) == Self.header,
              let storedAt = buffer.readInteger(as: Int64.self),
              let freshUntil = buffer.readInteger(as: Int64.self),
              let revalidateUntil = buffer.readInteger(as: Int64.self),
              let errorUntil = buffer.readInteger(as: Int64.self),
              let loadMilliseconds = buffer.readInteger(as: Int64.self),
              let tagCount = buffer.readInteger(as: UInt16.self)
        else { return nil }
        var tags: [String] = []
        for _ in 0..<tagCount {
            guard let length = buffer.readInteger(as: UInt16.self), let tag = buffer.readString(length: Int(length)) else { return nil }
            tags.append(tag)
        }
        guard storedAt <= freshUntil, freshUntil <= revalidateUntil, revalidateUntil <= errorUntil else { return nil }
        self.bytes = buffer
        self.storedAt = storedAt
        self.freshUntil = freshUntil
        self.revalidateUntil = revalidateUntil
        self.errorUntil = errorUntil
        self.loadMilliseconds = loadMilliseconds
        self.tags = tags
        self.decoded = nil
    }
}
