import Resilience

/// Settings for ``MemoryCache``: how much it may hold, in entries and in bytes, and how it is split into
/// independently locked shards.
///
/// | property | default |
/// | --- | --- |
/// | ``maximumEntries`` | 10,000 |
/// | ``maximumBytes`` | 64 MiB |
/// | ``maximumEntryBytes`` | nil: one shard's byte budget (``maximumBytes`` / ``shards``) |
/// | ``shards`` | one per 2,048 entries, between 1 and 16 (4 for the default 10,000 entries) |
///
/// Each shard gets an equal part of both budgets (rounded down), so the whole cache never holds more than
/// ``maximumEntries`` entries or ``maximumBytes`` bytes.
public struct MemoryCacheConfiguration: Sendable, Hashable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``MemoryCacheConfiguration/maximumEntries``.
        public static let maximumEntries = 10_000
        /// The default ``MemoryCacheConfiguration/maximumBytes``: 64 MiB.
        public static let maximumBytes = 64 << 20
        /// Entries per shard below which the cache is not split further.
        public static let entriesPerShard = 2_048
        /// The most shards the default picks.
        public static let maximumDefaultShards = 16

        /// The default ``MemoryCacheConfiguration/shards`` for a cache of `maximumEntries`: one shard per
        /// 2,048 entries, at least 1 and at most 16. Small caches stay in one shard so that admission sees
        /// the whole traffic; large ones spread lock contention.
        public static func shards(forMaximumEntries maximumEntries: Int) -> Int {
            min(maximumDefaultShards, max(1, maximumEntries / entriesPerShard))
        }
    }

    /// The most entries the cache holds.
    public var maximumEntries: Int
    /// The most bytes the cache holds, as the sum of the caller's cost of each entry.
    public var maximumBytes: Int
    /// The largest single entry, in bytes; larger values are not stored. Nil means one shard's byte budget,
    /// ``maximumBytes`` / ``shards``, which is also the effective upper bound of any value given here.
    public var maximumEntryBytes: Int?
    /// The number of independently locked parts, chosen by key hash. Fixed at initialisation: changing
    /// ``maximumEntries`` later does not change it.
    public var shards: Int

    /// Creates a configuration; see the table above for defaults. `shards` nil picks
    /// ``Defaults/shards(forMaximumEntries:)``.
    public init(
        maximumEntries: Int = Defaults.maximumEntries,
        maximumBytes: Int = Defaults.maximumBytes,
        maximumEntryBytes: Int? = nil,
        shards: Int? = nil
    ) {
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
        self.maximumEntryBytes = maximumEntryBytes
        self.shards = shards ?? Defaults.shards(forMaximumEntries: maximumEntries)
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "memoryCache") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(maximumEntries >= 1, "maximumEntries", "must be ≥ 1, got \(maximumEntries)")
        check.require(maximumBytes >= 1, "maximumBytes", "must be ≥ 1, got \(maximumBytes)")
        if let maximumEntryBytes {
            check.require(maximumEntryBytes >= 1, "maximumEntryBytes", "must be ≥ 1 or absent, got \(maximumEntryBytes)")
        }
        check.require((1...256).contains(shards), "shards", "must be between 1 and 256, got \(shards)")
        check.require(
            shards <= max(1, min(maximumEntries, maximumBytes)), "shards",
            "must not exceed maximumEntries or maximumBytes (each shard needs at least one of each), got \(shards)"
        )
        return check.issues
    }

    /// The entry budget of one shard.
    var shardMaximumEntries: Int { maximumEntries / shards }
    /// The byte budget of one shard.
    var shardMaximumBytes: Int { maximumBytes / shards }
    /// The largest entry a shard stores.
    var shardMaximumEntryBytes: Int { min(maximumEntryBytes ?? shardMaximumBytes, shardMaximumBytes) }
}
