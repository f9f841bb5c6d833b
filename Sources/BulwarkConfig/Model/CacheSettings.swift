/// The `cache:` section: the gateway's HTTP response cache, shared by every route that caches (see
/// ``RouteSettings/cache`` for what each route stores and for how long).
///
/// ```yaml
/// cache:
///   memory: 256MiB            # the memory tier's byte budget; 0 turns the memory tier off
///   max_entries: 100000       # the memory tier's entry budget
///   redis: true               # redis.url is the shared tier
///   max_object_size: 8MiB     # larger responses pass through uncached
///   status_header: X-Cache    # HIT, MISS, STALE, ... on every cached route's responses
///   tag_header: Cache-Tag     # the upstream's tags for purging
///   namespace: bulwark:http   # the prefix of every Redis key
///   lock_timeout: 10s         # how long a request waits for another filling the same entry
/// ```
///
/// The section is optional: a route with `cache:` and no top-level `cache:` gets these defaults (see
/// ``BulwarkConfiguration/cache``). Loading reports every problem with its key path: `cache.redis: true`
/// needs a `redis:` section, `max_object_size` may not exceed `memory` while the memory tier is on, and
/// at least one tier must be on.
public struct CacheSettings: Sendable, Hashable {
    /// The defaults of `cache:`, in one place for decoding, docs and tests.
    public enum Defaults {
        /// `cache.memory`: 64 MiB.
        public static let memoryBytes = 64 * 1024 * 1024
        /// `cache.max_entries`: 100,000.
        public static let maxEntries = 100_000
        /// `cache.redis`: false; responses are kept in this process only.
        public static let usesRedis = false
        /// `cache.max_object_size`: 8 MiB.
        public static let maxObjectBytes = 8 * 1024 * 1024
        /// The largest `cache.max_object_size` accepted with `cache.redis: true`: 512 MiB, the largest
        /// value Redis stores.
        public static let maximumRedisObjectBytes = 512 * 1024 * 1024
        /// `cache.status_header`: `X-Cache`.
        public static let statusHeader = "X-Cache"
        /// `cache.tag_header`: `Cache-Tag`.
        public static let tagHeader = "Cache-Tag"
        /// `cache.namespace`: `bulwark:http`.
        public static let namespace = "bulwark:http"
        /// `cache.lock_timeout`: nil, the route's timeout (see
        /// ``BulwarkConfiguration/cacheLockTimeout(for:)``).
        public static let lockTimeout: Duration? = nil
        /// The shortest `cache.lock_timeout` accepted: 1 ms.
        public static let minimumLockTimeout: Duration = .milliseconds(1)
    }

    /// The memory tier's byte budget (`cache.memory`); 0 turns the memory tier off, leaving Redis alone.
    /// Defaults to ``Defaults/memoryBytes`` (64 MiB).
    public var memoryBytes: Int = Defaults.memoryBytes
    /// The memory tier's entry budget (`cache.max_entries`, at least 1): past it, the least recently
    /// used entries go even when bytes are left. Defaults to ``Defaults/maxEntries`` (100,000).
    public var maxEntries: Int = Defaults.maxEntries
    /// Whether `redis.url` is the shared tier behind the memory tier (`cache.redis`), so every gateway
    /// instance sees what one stored. Needs a `redis:` section. Defaults to ``Defaults/usesRedis`` (false).
    public var usesRedis: Bool = Defaults.usesRedis
    /// The largest response body stored (`cache.max_object_size`, at least 1 byte, at most
    /// ``memoryBytes`` while the memory tier is on); a larger response streams through uncached.
    /// Defaults to ``Defaults/maxObjectBytes`` (8 MiB), or to ``memoryBytes`` when `cache.memory` is
    /// smaller than that and `max_object_size` is not given.
    public var maxObjectBytes: Int = Defaults.maxObjectBytes
    /// The response header that tells the client how the cache answered, `HIT`, `MISS`, `STALE` and so
    /// on (`cache.status_header`, a header name). Defaults to ``Defaults/statusHeader`` (`X-Cache`).
    public var statusHeader: String = Defaults.statusHeader
    /// The upstream response header that lists the tags an entry can be purged by (`cache.tag_header`,
    /// a header name). Defaults to ``Defaults/tagHeader`` (`Cache-Tag`).
    public var tagHeader: String = Defaults.tagHeader
    /// The prefix of every key the cache writes to Redis (`cache.namespace`: no spaces, control
    /// characters or glob characters `*?[]\`). Defaults to ``Defaults/namespace`` (`bulwark:http`).
    public var namespace: String = Defaults.namespace
    /// How long a request for an entry another request is already fetching waits for it before going
    /// to the upstream itself (`cache.lock_timeout`, at least 1 ms). Defaults to
    /// ``Defaults/lockTimeout`` (nil): the route's timeout, see
    /// ``BulwarkConfiguration/cacheLockTimeout(for:)``.
    public var lockTimeout: Duration? = Defaults.lockTimeout

    /// Settings with every default.
    public init() {}

    /// Whether the memory tier is on (``memoryBytes`` above 0).
    public var usesMemory: Bool { memoryBytes > 0 }
}

extension BulwarkConfiguration {
    /// How long a request on `route` waits for another request filling the same cache entry:
    /// `cache.lock_timeout` when set, else the route's `timeout`, else its upstream's `timeout`, else
    /// the upstream default (30 seconds).
    public func cacheLockTimeout(for route: RouteSettings) -> Duration {
        cache?.lockTimeout ?? route.timeout ?? upstream(named: route.upstream)?.timeout ?? UpstreamSettings.Defaults.timeout
    }
}
