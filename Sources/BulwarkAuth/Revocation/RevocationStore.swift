/// Where revocations are kept so that every gateway, and a gateway that starts later, sees them.
/// Entries expire by themselves after the lifetime they are written with.
///
/// ```swift
/// let store: any RevocationStore = RedisRevocationStore(redis: redis)
/// try await store.add(.forToken(token), ttl: .seconds(600))
/// let everything = try await store.all()
/// ```
///
/// ``MemoryRevocationStore`` keeps them in this process; ``RedisRevocationStore`` in Redis. Both pass the
/// same conformance tests.
public protocol RevocationStore: Sendable {
    /// Stores `entry` for `ttl` (at least 1 ms), replacing an entry with the same
    /// ``RevocationEntry/storageKey``.
    /// - Throws: when the store cannot take it.
    func add(_ entry: RevocationEntry, ttl: Duration) async throws

    /// Every entry whose lifetime has not run out, in no particular order.
    /// - Throws: when the store cannot be read.
    func all() async throws -> [RevocationEntry]
}
