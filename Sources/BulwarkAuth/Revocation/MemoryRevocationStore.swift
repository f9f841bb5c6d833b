import Resilience
import Synchronization

/// A ``RevocationStore`` in this process's memory, for a single gateway (`auth.revocation.redis: false`)
/// and for tests. Entries expire against the injected `now`; expired ones are dropped when read, and by a
/// write that finds the store twice as large as after the last sweep (so it stays bounded by the entries
/// alive, without an O(n) sweep per write).
public final class MemoryRevocationStore: RevocationStore {
    private struct State {
        var entries: [String: (entry: RevocationEntry, expiresAt: Double)] = [:]
        var sweepAt = 1_024

        mutating func sweep(now: Double) {
            entries = entries.filter { $0.value.expiresAt > now }
            sweepAt = max(1_024, entries.count * 2)
        }
    }

    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    /// An empty store.
    /// - Parameter now: the time in seconds since 1970; defaults to the system's wall clock.
    public init(now: @escaping @Sendable () -> Double = TokenRevocation.systemNow) {
        self.now = now
    }

    public func add(_ entry: RevocationEntry, ttl: Duration) async throws {
        let now = now()
        let expiresAt = now + max(0.001, ttl.secondsDouble)
        state.withLock { state in
            state.entries[entry.storageKey] = (entry, expiresAt)
            if state.entries.count >= state.sweepAt { state.sweep(now: now) }
        }
    }

    public func all() async throws -> [RevocationEntry] {
        let now = now()
        return state.withLock { state in
            state.sweep(now: now)
            return state.entries.values.map(\.entry)
        }
    }
}
