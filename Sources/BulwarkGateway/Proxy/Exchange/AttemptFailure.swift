/// Why one attempt against a target failed. The exchange machine decides from it whether to retry,
/// which answer the client gets, and what outlier detection and the breaker are told.
enum AttemptFailure: Equatable, Sendable, CustomStringConvertible {
    /// No connection could be made (the description of the connect error).
    case connect(String)
    /// The connection ended or failed before a response head came.
    case connectionLost(String)
    /// The response cannot be relayed: a framing error from the parser or a `Transfer-Encoding` the
    /// gateway will not re-frame.
    case malformedResponse(String)
    /// No response head within `retry.per_try_timeout`.
    case perTryTimeout
    /// The upstream answered with a status listed in `retry.on_status`.
    case status(Int)
    /// The whole-request deadline passed while the attempt was running.
    case requestTimeout
    /// The connection failed after part of the response went to the client.
    case lostMidResponse(String)
    /// A streaming response went `routes[].stream_idle_timeout` without body bytes from the upstream.
    case streamIdleTimeout

    /// The reason logged when the failure ejects a target.
    var description: String {
        switch self {
        case .connect(let detail): "connect failed: \(detail)"
        case .connectionLost(let detail): "connection lost: \(detail)"
        case .malformedResponse(let detail): "malformed response: \(detail)"
        case .perTryTimeout: "per-try timeout"
        case .status(let code): "status \(code)"
        case .requestTimeout: "request timeout"
        case .lostMidResponse(let detail): "connection lost mid-response: \(detail)"
        case .streamIdleTimeout: "stream idle timeout"
        }
    }
}
