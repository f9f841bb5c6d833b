import NIOCore
import NIOHTTP1

/// Keeps a response as it streams to the first client, so the cache can store it once it ends: the
/// upstream's head, and the body parts as they pass (the same buffers the client gets; nothing is
/// buffered before the client's first byte). Gives up, dropping what it kept, past `limit` bytes.
struct ResponseRecorder {
    /// The head as the upstream sent it.
    private(set) var head: HTTPResponseHead?
    private(set) var parts: [ByteBuffer] = []
    private(set) var bytes = 0
    /// The most body bytes kept (`cache.max_object_size`).
    let limit: Int
    /// The response grew past ``limit``: it is not stored.
    private(set) var overflowed = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func begin(_ head: HTTPResponseHead) {
        self.head = head
    }

    /// Keeps `part`; returns false once the response is too large to store.
    mutating func append(_ part: ByteBuffer) -> Bool {
        guard !overflowed else { return false }
        bytes += part.readableBytes
        if bytes > limit {
            overflowed = true
            parts = []
            return false
        }
        parts.append(part)
        return true
    }

    /// The whole body, in one buffer.
    func body(allocator: ByteBufferAllocator) -> ByteBuffer {
        if parts.count == 1 { return parts[0] }
        var body = allocator.buffer(capacity: bytes)
        for var part in parts { body.writeBuffer(&part) }
        return body
    }
}
