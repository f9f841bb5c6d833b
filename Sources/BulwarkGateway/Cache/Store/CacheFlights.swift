import Synchronization

/// Request collapsing within this process: the first miss for a key fetches it from the upstream, and
/// the misses that arrive meanwhile wait for that fetch instead of going upstream too. When the fetch
/// ends, the waiters learn whether it stored a response (they look it up again and are served from the
/// cache) or not (each goes upstream itself, so none ever gets another client's response).
final class CacheFlights: Sendable {
    /// How a fetch ended, for its waiters.
    enum Landing: Sendable, Equatable {
        /// A response was stored: look it up again.
        case stored
        /// Nothing was stored (not storable, too large, or the upstream failed): go upstream.
        case notStored
        /// The fetch ended because its client left: fetch again (one waiter leads, the others wait).
        case leaderLeft
    }

    private let flights = Mutex<[String: [@Sendable (Landing) -> Void]]>([:])

    /// Whether the caller leads the fetch of `key` (and must call ``land(_:_:)``), or waits for it
    /// (`waiter` is called once, on whatever thread lands the fetch).
    enum Role: Equatable {
        case leader
        case waiting
    }

    /// Joins the fetch of `key`, leading it when none is under way.
    func join(_ key: String, waiter: @escaping @Sendable (Landing) -> Void) -> Role {
        flights.withLock { flights in
            if flights[key] != nil {
                flights[key]!.append(waiter)
                return .waiting
            }
            flights[key] = []
            return .leader
        }
    }

    /// Ends the fetch of `key` and tells its waiters how.
    func land(_ key: String, _ landing: Landing) {
        let waiters = flights.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters { waiter(landing) }
    }
}
