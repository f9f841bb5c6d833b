import NIOCore

/// The request body as the exchange holds it: every part while the body can still be replayed on
/// another attempt, and once it cannot (it outgrew `retry.buffer_limit`) only the parts no connection
/// has taken yet. Also counts what limits and back-pressure are decided on.
struct RequestReplayBuffer {
    /// The parts kept, in order.
    private(set) var parts: [ByteBuffer] = []
    /// Body bytes received from the client so far.
    private(set) var receivedBytes = 0
    /// Bytes received since the body last went to a connection: what waits for one.
    private(set) var unsentBytes = 0
    /// Whether every part received is still kept, so that another attempt can send the whole body.
    private(set) var replayable = true
    /// The client sent the end of the request.
    var ended = false

    /// The client sent `part`.
    mutating func append(_ part: ByteBuffer) {
        receivedBytes += part.readableBytes
        unsentBytes += part.readableBytes
        parts.append(part)
    }

    /// The body outgrew the replay limit: parts are dropped once a connection has them.
    mutating func stopReplaying() {
        replayable = false
    }

    /// Every part kept, for a connection that starts the request now. Afterwards they are kept only
    /// while the body is replayable.
    mutating func takeForNewConnection() -> [ByteBuffer] {
        let sending = parts
        unsentBytes = 0
        if !replayable { parts.removeAll(keepingCapacity: true) }
        return sending
    }

    /// The newest part went straight to the connection in use.
    mutating func latestPartSent() {
        unsentBytes = 0
        if !replayable { parts.removeAll(keepingCapacity: true) }
    }

    /// The exchange is over: nothing more is sent.
    mutating func discard() {
        parts = []
        unsentBytes = 0
    }
}
