import BulwarkConfig
import NIOHTTP1
import Resilience

/// The route's and upstream's settings that decide one request's attempts, captured when the request
/// starts so that it finishes on them even if the configuration is reloaded meanwhile.
struct ExchangePolicy: Equatable, Sendable {
    /// Whether the route has rate limits to check before any attempt.
    var checksRateLimits: Bool
    /// The whole-request deadline, in nanoseconds from admission.
    var requestTimeout: Int64
    /// The deadline for a response head on one attempt, in nanoseconds (nil: none).
    var perTryTimeout: Int64?
    /// `retry.attempts`: attempts including the first.
    var maxAttempts: Int
    /// Whether the request's method is listed in `retry.methods`.
    var retriesMethod: Bool
    /// `retry.on_status`.
    var retryStatuses: Set<Int>
    /// `retry.buffer_limit`: the most request body bytes kept for a replay, and the most buffered
    /// while no connection takes them.
    var replayBufferLimit: Int
    /// The delay between attempts.
    var backoff: Backoff
    /// The request carries the gateway's OAuth2 token: a 401 refreshes it and tries once more.
    var refreshesCredentialsOnUnauthorized = false
    /// `routes[].streaming`: every response streams once its head is relayed (`text/event-stream` ones
    /// always do): the whole-request deadline stops and ``streamIdleTimeout`` applies.
    var streamsResponses = RouteSettings.Defaults.streaming
    /// `routes[].stream_idle_timeout`, in nanoseconds: the longest a streaming response may go without
    /// body bytes from the upstream.
    var streamIdleTimeout: Int64 = RouteSettings.Defaults.streamIdleTimeout.nanoseconds
    /// The protocol the request asks to upgrade to and its route allows (`routes[].upgrades`), lower-cased
    /// as sent in `Upgrade` (e.g. `websocket`); nil for every other request. Such a request is tried
    /// again only when its attempt never reached a target, and only a `101` naming it switches.
    var upgrade: String?
    /// The request is looked up in the response cache before it goes upstream (`routes[].cache`).
    var consultsCache = false
    /// How the request is audited (`audit:`); nil when it is not.
    var audit: ExchangeAuditPolicy?
}

extension ExchangePolicy {
    /// The policy of `route` for a request with `method`.
    init(route: CompiledRoute, method: HTTPMethod) {
        let retry = route.cluster.settings.retry
        self.init(
            checksRateLimits: !route.rateLimits.isEmpty,
            requestTimeout: route.timeoutNanoseconds,
            perTryTimeout: retry.perTryTimeout?.nanoseconds,
            maxAttempts: retry.attempts,
            retriesMethod: retry.methods.contains(method.rawValue),
            retryStatuses: retry.statuses,
            replayBufferLimit: retry.bufferLimit,
            backoff: route.cluster.backoff,
            streamsResponses: route.settings.streaming,
            streamIdleTimeout: route.settings.streamIdleTimeout.nanoseconds
        )
    }
}
