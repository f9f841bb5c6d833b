/// Per-server connection limit (`max_server_connections`) with a FIFO queue and deadlines (`queue_timeout`).
///
/// Pure: the shell calls ``acquire(_:server:now:timeout:)`` for each new session, ``release(server:)``
/// when one ends (and connects the waiter it returns), ``expire(now:)`` when ``nextDeadline`` passes (and
/// sends those waiters the queue error), and ``cancel(_:)`` when a queued client goes away.
///
/// Fair: a new session is granted at once only while nobody is queued for that server, and a freed
/// slot goes to the oldest waiter still queued, so grants per server follow arrival order.
public struct ServerSlots: Sendable {
    /// What ``acquire(_:server:now:timeout:)`` decided.
    public enum Decision: Sendable, Hashable {
        /// A slot is taken for the waiter: connect now.
        case granted
        /// The server is full (or others wait before it): the waiter is queued until a
        /// ``release(server:)`` returns it or ``expire(now:)`` does.
        case queued
    }

    private struct Waiter: Sendable {
        var id: UInt64
        var deadline: ContinuousClock.Instant
    }

    /// The most sessions per server (at least 1).
    public let limit: Int
    private var used: [String: Int] = [:]
    private var queues: [String: [Waiter]] = [:]
    private var queuedOn: [UInt64: String] = [:]

    /// No slot in use, nobody waiting; `limit` sessions per server (values below 1 count as 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// A new session wants `server`: granted now, or queued until `now + timeout`.
    ///
    /// - Parameter waiter: the session's identifier, unique among live sessions. Acquiring again for a
    ///   waiter that is still queued changes nothing and answers `.queued`.
    public mutating func acquire(_ waiter: UInt64, server: String, now: ContinuousClock.Instant, timeout: Duration) -> Decision {
        if queuedOn[waiter] != nil { return .queued }
        let inUse = used[server, default: 0]
        if inUse < limit, queues[server]?.isEmpty ?? true {
            used[server] = inUse + 1
            return .granted
        }
        queues[server, default: []].append(Waiter(id: waiter, deadline: now + timeout))
        queuedOn[waiter] = server
        return .queued
    }

    /// A session on `server` ended: returns the waiter now granted (the oldest still queued; its slot
    /// is the one freed, so ``inUse(_:)`` stays the same), or nil when nobody waits (one slot fewer in
    /// use). Call ``expire(now:)`` first when waiters past their deadline must not be granted.
    public mutating func release(server: String) -> UInt64? {
        if var queue = queues[server], !queue.isEmpty {
            let granted = queue.removeFirst()
            queues[server] = queue.isEmpty ? nil : queue
            queuedOn[granted.id] = nil
            used[server] = max(1, used[server, default: 0])
            return granted.id
        }
        let remaining = used[server, default: 0] - 1
        used[server] = remaining > 0 ? remaining : nil
        return nil
    }

    /// A queued waiter gave up (the client went away): removes it. Nothing happens for a waiter that is
    /// not queued (a granted session ends with ``release(server:)`` instead).
    public mutating func cancel(_ waiter: UInt64) {
        guard let server = queuedOn.removeValue(forKey: waiter) else { return }
        queues[server]?.removeAll { $0.id == waiter }
        if queues[server]?.isEmpty == true { queues[server] = nil }
    }

    /// The waiters whose deadline passed by `now` (deadline ≤ now), removed, earliest deadline first
    /// (ties in queue order). Each gets the queue error.
    public mutating func expire(now: ContinuousClock.Instant) -> [UInt64] {
        var expired: [Waiter] = []
        for server in queues.keys.sorted() {
            guard let queue = queues[server] else { continue }
            let (late, waiting) = (queue.filter { $0.deadline <= now }, queue.filter { $0.deadline > now })
            guard !late.isEmpty else { continue }
            expired += late
            queues[server] = waiting.isEmpty ? nil : waiting
        }
        for waiter in expired { queuedOn[waiter.id] = nil }
        return expired.enumerated()
            .sorted { ($0.element.deadline, $0.offset) < ($1.element.deadline, $1.offset) }
            .map(\.element.id)
    }

    /// Sessions holding a slot on `server`.
    public func inUse(_ server: String) -> Int {
        used[server, default: 0]
    }

    /// Waiters queued for `server`.
    public func waiting(_ server: String) -> Int {
        queues[server]?.count ?? 0
    }

    /// The earliest deadline of any queued waiter: when the shell should call ``expire(now:)`` next.
    public var nextDeadline: ContinuousClock.Instant? {
        queues.values.lazy.flatMap { $0 }.map(\.deadline).min()
    }
}
