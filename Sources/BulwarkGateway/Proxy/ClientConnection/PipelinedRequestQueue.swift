import NIOCore
import NIOHTTP1

/// Parts of pipelined requests that arrived while an earlier response was in progress, in arrival
/// order, with the counts the read limits are checked against.
struct PipelinedRequestQueue {
    /// Made at the first pipelined part: most connections never queue one, and an idle connection
    /// should cost no more than it must.
    private var parts: CircularBuffer<HTTPServerRequestPart>?
    /// Request heads waiting.
    private(set) var requests = 0
    /// Body bytes waiting.
    private(set) var bodyBytes = 0

    var isEmpty: Bool { parts?.isEmpty ?? true }

    /// Whether reading must pause: too many requests or too many body bytes wait.
    func isOverLimit(_ limits: ClientConnectionLimits) -> Bool {
        !isEmpty && (requests >= limits.maxPipelinedRequests || bodyBytes > limits.maxQueuedBodyBytes)
    }

    mutating func append(_ part: HTTPServerRequestPart) {
        switch part {
        case .head: requests += 1
        case .body(let buffer): bodyBytes += buffer.readableBytes
        case .end: break
        }
        if parts == nil { parts = CircularBuffer(initialCapacity: 4) }
        parts?.append(part)
    }

    mutating func popFirst() -> HTTPServerRequestPart? {
        guard let part = parts?.popFirst() else { return nil }
        switch part {
        case .head: requests -= 1
        case .body(let buffer): bodyBytes -= buffer.readableBytes
        case .end: break
        }
        return part
    }

    /// Drops everything queued (the connection will not serve it).
    mutating func removeAll() {
        guard !isEmpty else { return }
        parts?.removeAll(keepingCapacity: true)
        requests = 0
        bodyBytes = 0
    }
}
