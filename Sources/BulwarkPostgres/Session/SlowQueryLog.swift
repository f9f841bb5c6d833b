/// The slow queries kept for `/api/postgres` and the alert rules: the newest `capacity`.
///
/// A fixed ring: appending past `capacity` forgets the oldest entry. Pure; the shell keeps one per
/// cluster behind its lock.
public struct SlowQueryLog: Sendable {
    /// How many entries are kept (0 keeps none).
    public let capacity: Int
    private var ring: [PostgresSlowQuery] = []
    /// Where the next entry goes once the ring is full (the oldest entry's index).
    private var next = 0

    /// An empty log keeping at most `capacity` entries (default 100; negative counts as 0).
    public init(capacity: Int = 100) {
        self.capacity = max(0, capacity)
        ring.reserveCapacity(min(self.capacity, 1_024))
    }

    /// Records `query`, forgetting the oldest entry when the log is full.
    public mutating func append(_ query: PostgresSlowQuery) {
        guard capacity > 0 else { return }
        if ring.count < capacity {
            ring.append(query)
        } else {
            ring[next] = query
            next = (next + 1) % capacity
        }
    }

    /// The entries, newest first.
    public var entries: [PostgresSlowQuery] {
        guard ring.count == capacity, next > 0 else { return ring.reversed() }
        // Full and wrapped: ring[next...] are the oldest, ring[..<next] the newest.
        return Array((ring[next...] + ring[..<next]).reversed())
    }

    /// How many entries are kept now.
    public var count: Int { ring.count }
}
