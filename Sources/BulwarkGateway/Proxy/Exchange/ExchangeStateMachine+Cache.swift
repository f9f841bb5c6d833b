import NIOHTTP1

/// The response cache's part in an exchange (`routes[].cache`). The shell looks the request up; the
/// machine decides what the client gets: the stored response (a hit; a `304` from the upstream to a
/// revalidation; a stale one when the upstream fails), or the upstream's.
extension ExchangeStateMachine {
    /// The cache answers: the client gets the stored response (status `status`).
    mutating func cacheAnswered(status: Int) -> Action {
        guard state == .consultingCache else { return .none }
        end()
        responseStatus = status
        responseBytes = 0
        return .serveFromCache(.hit, nil, completion(close: false))
    }

    /// The cache has nothing to serve as it is: the request goes upstream. `revalidatingStatus` is the
    /// status of a stored response the request revalidates (it went up with its validators), so a `304`
    /// serves it; `staleFallbackStatus` that of a stale one that stands in if the upstream fails
    /// (stale-if-error).
    mutating func cacheMissed(revalidatingStatus: Int? = nil, staleFallbackStatus: Int? = nil) -> Action {
        guard state == .consultingCache else { return .none }
        cache.revalidatingStatus = revalidatingStatus
        cache.staleFallbackStatus = staleFallbackStatus
        state = .choosingTarget
        return .pickTarget(excluding: 0)
    }
}

/// How the client is answered from the cache.
enum CacheServe: Equatable {
    /// A stored response, fresh (or served stale while it revalidates).
    case hit
    /// The upstream confirmed the stored response with this `304`: its fields update the stored ones.
    case revalidated(HTTPResponseHead)
    /// The upstream failed (an error, no target, a timeout, or a 500/502/503/504): a stale stored
    /// response stands in.
    case staleOnError
}

/// What the response cache told an exchange that went upstream, and what the machine made of the
/// upstream's head.
struct CacheParticipation: Equatable {
    /// The status of the stored response being revalidated, if any.
    var revalidatingStatus: Int?
    /// The status of the stale stored response that may stand in for a failure, if any.
    var staleFallbackStatus: Int?
    /// The upstream's head is replaced by the stored response.
    var substitution: Substitution?

    /// Why the upstream's response is replaced.
    enum Substitution: Equatable {
        case notModified(storedStatus: Int)
        case failed(staleStatus: Int)

        /// The status the client gets.
        var status: Int {
            switch self {
            case .notModified(let status), .failed(let status): status
            }
        }

        func serve(upstreamHead: HTTPResponseHead) -> CacheServe {
            switch self {
            case .notModified: .revalidated(upstreamHead)
            case .failed: .staleOnError
            }
        }
    }

    /// The statuses that let a stale response stand in (RFC 5861 §4).
    static let staleIfErrorStatuses: Set<UInt> = [500, 502, 503, 504]

    /// Whether `head`, a final head from the upstream, is replaced by the stored response.
    func substitution(for head: HTTPResponseHead) -> Substitution? {
        if let stored = revalidatingStatus, head.status == .notModified { return .notModified(storedStatus: stored) }
        if let stale = staleFallbackStatus, Self.staleIfErrorStatuses.contains(head.status.code) { return .failed(staleStatus: stale) }
        return nil
    }
}

extension ExchangeAnswer {
    /// Whether the answer reports the upstream's failure (so a stale stored response may stand in).
    var isUpstreamFailure: Bool {
        switch self {
        case .noTargetAvailable, .attemptFailed, .requestTimedOut: true
        default: false
        }
    }
}
