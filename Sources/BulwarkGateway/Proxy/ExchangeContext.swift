import BulwarkAuth
import NIOHTTP1
import Resilience

/// What one request took from the gateway's runtime when it started: its route (and so its upstream and
/// policies), the request it sends upstream and the services it reports to. A reload that happens while
/// the request is in flight changes none of it: the request finishes on the settings it started with.
struct ExchangeContext {
    /// The request's `X-Request-ID` (accepted from the client or generated).
    let requestID: String
    /// The client's address, through trusted proxies.
    let clientAddress: String
    /// The path as logged and shown in answers: canonical once vetted, raw before.
    var loggedPath: String
    /// The route matched (nil: none, or the head was rejected first).
    var route: CompiledRoute?
    /// The head sent to each attempt's target.
    var upstreamHead: HTTPRequestHead?
    /// The request came without `Host` (HTTP/1.0): the target's authority is added upstream, which
    /// speaks HTTP/1.1.
    var addsHost = false
    /// The verified bearer token the route acts on (`routes[].auth` other than `off`), nil otherwise.
    var token: VerifiedToken?
    /// The request is its route's logout (`routes[].revoke_on`): a 2xx answer revokes ``token``.
    var revokesOnSuccess = false
    /// The rate-limit fields added to the response.
    var rateLimitFields: [(name: String, value: String)] = []
    /// This event loop's upstream connections.
    let pool: UpstreamConnectionPool
    let accessLog: AccessLog
    let rateLimiter: RouteRateLimiter
    /// `server.rate_limit_headers`.
    let rateLimitHeaderStyle: RateLimitHeaders.Style
}
