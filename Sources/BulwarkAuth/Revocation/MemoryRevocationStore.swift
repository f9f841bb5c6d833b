import Resilience
import Synchronization

/// A ``RevocationStore`` in this process's memory, for a single gateway (`auth.revocation.redis: false`)
/// and for tests. Entries expire against the injected `now`; expired ones are dropped as they are seen.
public final class MemoryRevocationStore: RevocationStore {
    private let now: @Sendable () -> Double
    private let entries = Mutex<[String: (entry: RevocationEntry, expiresAt: Double)]>([:])

    /// An empty store.
    /// - Parameter now: the time in seconds since 1970; defaults to the system's wall clock.
    public init(now: @escaping @Sendable () -> Double = TokenRevocation.systemNow) {
        self.now = now
    }

    public func add(_ entry: RevocationEntry, ttl: Duration) async throws {
        let expiresAt = now() + max(0.001, ttl.secondsDouble)
        entries.withLock { $0[entry.storageKey] = (entry, expiresAt) }
    }

    public func all() async throws -> [RevocationEntry] {
        let now = now()
        return entries.withLock { entries in
            entries = entries.filter { $0.value.expiresAt > now }
            return entries.values.map(\.entry)
        }
    }
}
