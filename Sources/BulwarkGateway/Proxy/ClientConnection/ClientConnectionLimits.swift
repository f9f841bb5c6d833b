import BulwarkConfig
import Resilience

/// The limits one client connection is held to, read from `server.*` when the connection starts.
///
/// Times are nanoseconds on the monotonic clock that ``ClientConnectionStateMachine`` is given.
struct ClientConnectionLimits: Equatable, Sendable {
    /// Body bytes of pipelined requests held before reading pauses. Not configurable.
    static let defaultMaxQueuedBodyBytes = 64 * 1024

    /// `server.idle_timeout`: how long a connection with no request in progress is kept open.
    var idleTimeout: UInt64
    /// `server.body_idle_timeout`: how long a request body may go without bytes while the gateway reads.
    var bodyIdleTimeout: UInt64
    /// `server.discard_body_limit`: how much of an answered request's body is read and dropped.
    var discardBodyLimit: Int
    /// `server.max_pipelined_requests`: requests queued behind the one being answered before reads pause.
    var maxPipelinedRequests: Int
    /// Body bytes of queued requests before reads pause (64 KiB).
    var maxQueuedBodyBytes: Int

    init(
        idleTimeout: UInt64,
        bodyIdleTimeout: UInt64,
        discardBodyLimit: Int,
        maxPipelinedRequests: Int,
        maxQueuedBodyBytes: Int = Self.defaultMaxQueuedBodyBytes
    ) {
        self.idleTimeout = idleTimeout
        self.bodyIdleTimeout = bodyIdleTimeout
        self.discardBodyLimit = discardBodyLimit
        self.maxPipelinedRequests = maxPipelinedRequests
        self.maxQueuedBodyBytes = maxQueuedBodyBytes
    }

    /// The limits configured in `server`.
    init(_ server: ServerSettings) {
        self.init(
            idleTimeout: UInt64(clamping: server.idleTimeout.nanoseconds),
            bodyIdleTimeout: UInt64(clamping: server.bodyIdleTimeout.nanoseconds),
            discardBodyLimit: server.discardBodyLimit,
            maxPipelinedRequests: server.maxPipelinedRequests
        )
    }
}
