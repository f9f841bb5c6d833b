import Synchronization

/// One load per key at a time within this process: the first caller for a key starts the load, callers
/// that arrive while it runs wait for the same result. The load runs in its own task, so a caller that is
/// cancelled stops nobody else.
final class SingleFlight<Value: Sendable>: Sendable {
    private let flights = Mutex<[String: Task<Value, any Error>]>([:])

    /// Whether this caller started the load or joined one under way.
    enum Role { case leader, follower }

    /// Runs `load` for `key` unless a load for it is under way, then returns that load's result.
    func run(_ key: String, _ load: @escaping @Sendable () async throws -> Value) async throws -> (Value, Role) {
        let (task, role) = flights.withLock { flights -> (Task<Value, any Error>, Role) in
            if let running = flights[key] { return (running, .follower) }
            // The task removes itself when done; it cannot finish before it is in the map, since it needs
            // the lock held here to remove itself.
            let task = Task<Value, any Error> {
                defer { self.landed(key) }
                return try await load()
            }
            flights[key] = task
            return (task, .leader)
        }
        return (try await task.value, role)
    }

    /// Whether a load for `key` is under way.
    func isLoading(_ key: String) -> Bool { flights.withLock { $0[key] != nil } }

    /// Loads under way.
    var count: Int { flights.withLock { $0.count } }

    private func landed(_ key: String) {
        flights.withLock { _ = $0.removeValue(forKey: key) }
    }
}
