/// How a stored response may be used for one request right now (RFC 9111 §4.2, §4.2.4, §5.2.1; RFC 5861).
///
/// Decide with ``evaluate(decision:storedAt:now:request:)``; the age to send is ``currentAge(initialAge:storedAt:now:)``.
enum CacheFreshness: Equatable, Sendable {
    /// Serve it; no validation needed.
    case fresh
    /// Stale, but the client's `max-stale` accepts it: serve it as is.
    case staleAcceptedByClient
    /// Stale, within the stale-while-revalidate window: serve it and revalidate in the background.
    case staleWhileRevalidate
    /// Stale, beyond stale-while-revalidate but within stale-if-error: validate first, and serve it only if the
    /// origin fails (a 5xx answer or no answer).
    case staleIfErrorOnly
    /// Must not be served without a successful validation (or a fresh fetch). Its validators may still be used.
    case expired

    /// The current age (§4.2.3, simplified): the initial age plus the time the response has been stored.
    /// A clock that went backwards adds nothing.
    static func currentAge(initialAge: Int64, storedAt: Int64, now: Int64) -> Int64 {
        initialAge + max(0, now - storedAt)
    }

    /// Classifies a stored response for a request.
    ///
    /// - `no-cache` on the response: always ``expired``.
    /// - fresh when the age is below the lifetime (§4.2), and the request's `max-age` (age must not exceed it,
    ///   §5.2.1.1) and `min-fresh` (age plus it must stay within the lifetime, §5.2.1.3) allow it.
    /// - otherwise, when only the request's `max-age`/`min-fresh` refused a response that is still fresh:
    ///   ``expired`` (the client asked for something newer).
    /// - a stale response: ``staleWhileRevalidate`` within that window (so it is refreshed in the background even
    ///   when the client would accept it stale); else ``staleAcceptedByClient`` if `max-stale` covers the
    ///   staleness and the response does not forbid stale serving; else ``staleIfErrorOnly`` within that window;
    ///   else ``expired``. Windows are half-open: a response is no longer in a window once staleness equals its length.
    ///
    /// - Parameters:
    ///   - decision: what ``ResponseStorability`` decided when the response was stored.
    ///   - storedAt: seconds since the epoch when it was stored.
    ///   - now: the current time in seconds since the epoch.
    ///   - request: the request's cache directives.
    static func evaluate(
        decision: CachePolicyDecision,
        storedAt: Int64,
        now: Int64,
        request: RequestCacheControl = RequestCacheControl()
    ) -> CacheFreshness {
        if decision.requiresValidation { return .expired }
        let age = currentAge(initialAge: decision.initialAge, storedAt: storedAt, now: now)
        let lifetime = decision.freshnessLifetime
        let tooOldForClient = request.maxAge.map { age > $0 } ?? false
        let tooCloseToExpiry = request.minFresh.map { age + $0 >= lifetime } ?? false
        if age < lifetime {
            return tooOldForClient || tooCloseToExpiry ? .expired : .fresh
        }
        let staleness = age - lifetime
        if staleness < decision.staleWhileRevalidate, !tooOldForClient { return .staleWhileRevalidate }
        if !decision.staleForbidden, !tooOldForClient, let maxStale = request.maxStale {
            switch maxStale {
            case .unlimited: return .staleAcceptedByClient
            case .seconds(let limit) where staleness <= limit: return .staleAcceptedByClient
            case .seconds: break
            }
        }
        if staleness < decision.staleIfError { return .staleIfErrorOnly }
        return .expired
    }
}
