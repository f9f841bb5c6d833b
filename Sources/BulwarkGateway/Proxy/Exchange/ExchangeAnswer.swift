import BulwarkAuth
import NIOHTTP1

/// An answer the gateway gives itself instead of relaying an upstream's response. The exchange machine
/// decides which one and whether the connection closes after it; the shell words the message.
enum ExchangeAnswer: Equatable, Sendable {
    /// The head failed vetting (framing, Host, target form…).
    case rejected(HTTPResponseStatus, message: String)
    /// `Content-Length` is over `server.max_body_bytes`.
    case declaredBodyTooLarge(length: Int, limit: Int)
    /// The body grew over `server.max_body_bytes` while streaming.
    case bodyTooLarge(limit: Int)
    /// The client's body failed otherwise (it stalled), as the connection reported it.
    case requestBodyFailed(HTTPResponseStatus, message: String)
    /// No route matches the method and path.
    case noRoute
    /// A rate limit of the route denied the request.
    case rateLimited(policy: String, retryAfterSeconds: Int64)
    /// Every target is unhealthy, ejected or behind an open breaker.
    case noTargetAvailable
    /// The last attempt failed and no retry was allowed.
    case attemptFailed(AttemptFailure)
    /// The whole-request deadline passed before the response started.
    case requestTimedOut
    /// The upstream needs a token the gateway could not get (`credentials:`); `detail` says why.
    case credentialsUnavailable(String)
    /// The route needs a valid bearer token (`routes[].auth`) and the request has none, or an invalid one.
    case unauthorized(AuthFailure)
    /// The request is audited (`audit:`, `on_failure: reject`) and its record cannot be written.
    case auditUnavailable

    /// The status of the answer.
    var status: HTTPResponseStatus {
        switch self {
        case .rejected(let status, _), .requestBodyFailed(let status, _): status
        case .declaredBodyTooLarge, .bodyTooLarge: .payloadTooLarge
        case .noRoute: .notFound
        case .unauthorized: .unauthorized
        case .rateLimited: .tooManyRequests
        case .noTargetAvailable, .credentialsUnavailable, .auditUnavailable: .serviceUnavailable
        case .attemptFailed(.perTryTimeout), .attemptFailed(.requestTimeout), .attemptFailed(.streamIdleTimeout), .requestTimedOut: .gatewayTimeout
        case .attemptFailed: .badGateway
        }
    }

    /// Whether the connection closes after the answer: the rest of the request cannot be trusted or read.
    var closesConnection: Bool {
        switch self {
        case .rejected, .declaredBodyTooLarge, .bodyTooLarge, .requestBodyFailed: true
        case .noRoute, .rateLimited, .noTargetAvailable, .attemptFailed, .requestTimedOut, .credentialsUnavailable, .unauthorized, .auditUnavailable: false
        }
    }
}
