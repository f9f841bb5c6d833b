/// How a shared rate-limit store decides for a ``RateLimitPolicy``.
public enum RateLimitSharing: String, Sendable, Hashable, CaseIterable {
    /// Every decision is one atomic step in the shared store: exact across instances, one round trip
    /// per request.
    case exact
    /// Each instance takes a slice of the allowance from the shared store in one atomic step (a lease
    /// of a few requests, valid for a short time) and decides locally until it is spent or expires, so
    /// most requests cost no round trip. The slice follows the instance's recent rate. Across
    /// instances, at most one unspent slice each can be spent later than it was taken, so over any
    /// window at most `limit + burst + instances × slice` pass.
    case leased
}
