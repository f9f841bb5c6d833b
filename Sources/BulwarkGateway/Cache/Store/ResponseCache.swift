import AsyncHTTPClient
import BulwarkCache
import BulwarkConfig
import BulwarkRedis
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Resilience
import Synchronization

/// The gateway's HTTP response cache (`cache:` and `routes[].cache`): stored responses in a
/// ``TieredCache`` (memory, then Redis when `cache.redis` is set), request collapsing, and purging.
/// The HTTP rules (what is stored, for how long, what a request may be served) are in `Cache/Rules`;
/// how an exchange uses the cache is in `ProxyExchange+Cache`.
///
/// Keys start with the canonical path, then a space, then the rest of ``CacheKey``'s primary key, so a
/// purge by path prefix is a key-prefix purge whatever the host.
public final class ResponseCache: Sendable {
    let settings: CacheSettings
    let tiered: TieredCache
    let flights = CacheFlights()
    let logger: Logger
    let counters: Counters
    /// The bus, when `cache.redis` is set: runs while the gateway runs.
    let bus: InvalidationBus?
    /// Background revalidations (stale-while-revalidate).
    let revalidator: CacheRevalidator
    /// Keys whose latest response could not be stored (private, no-store, Set-Cookie, too large…): their
    /// misses go upstream at once instead of waiting for one another ("hit-for-pass"), for two minutes
    /// or until a response of theirs is stored.
    let uncacheable: MemoryCache<Bool>

    /// Responses served per cache status, for the admin API's hit ratio.
    final class Counters: Sendable {
        static let statuses: [CacheStatus] = [.hit, .miss, .stale, .revalidated, .bypass]
        let metrics: [Counter]
        private let hits = Atomic(0), misses = Atomic(0), stale = Atomic(0), revalidated = Atomic(0), bypassed = Atomic(0)

        init(factory: any MetricsFactory) {
            metrics = Self.statuses.map { Counter(label: "bulwark_http_cache_responses_total", dimensions: [("status", $0.rawValue)], factory: factory) }
        }

        func count(_ status: CacheStatus) {
            switch status {
            case .hit: metrics[0].increment(); hits.add(1, ordering: .relaxed)
            case .miss: metrics[1].increment(); misses.add(1, ordering: .relaxed)
            case .stale: metrics[2].increment(); stale.add(1, ordering: .relaxed)
            case .revalidated: metrics[3].increment(); revalidated.add(1, ordering: .relaxed)
            case .bypass: metrics[4].increment(); bypassed.add(1, ordering: .relaxed)
            }
        }

        /// Answers per status so far.
        var snapshot: [CacheStatus: Int] {
            [.hit: hits.load(ordering: .relaxed), .miss: misses.load(ordering: .relaxed), .stale: stale.load(ordering: .relaxed),
             .revalidated: revalidated.load(ordering: .relaxed), .bypass: bypassed.load(ordering: .relaxed)]
        }
    }

    init(
        settings: CacheSettings, redis: RedisClient?, eventLoopGroup: any EventLoopGroup, clock: any Clock<Duration>,
        metricsFactory: any MetricsFactory, logger: Logger
    ) throws(ConfigurationError) {
        self.settings = settings
        var clientConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        self.revalidator = CacheRevalidator(client: HTTPClient(eventLoopGroup: eventLoopGroup, configuration: clientConfiguration))
        self.logger = logger
        let bus = settings.usesRedis ? redis.map { InvalidationBus(redis: $0, logger: logger, metricsFactory: metricsFactory) } : nil
        self.bus = bus
        let memory = settings.usesMemory ? Self.memoryConfiguration(settings) : nil
        self.tiered = try TieredCache(
            configuration: TieredCacheConfiguration(namespace: CacheNamespace(settings.namespace), memory: memory, earlyRefreshBeta: 0),
            redis: settings.usesRedis ? redis : nil, bus: bus, clock: clock, logger: logger, metricsFactory: metricsFactory
        )
        self.counters = Counters(factory: metricsFactory)
        self.uncacheable = try MemoryCache(configuration: MemoryCacheConfiguration(maximumEntries: 10_000, maximumBytes: 10_000 * 64), cost: { _ in 64 })
        self.clock = PolicyClock(clock)
    }

    let clock: PolicyClock

    /// How long a key stays marked not storable.
    static let uncacheableFor: Duration = .seconds(120)

    /// Marks `primary` as not storable for ``uncacheableFor``.
    func markUncacheable(_ primary: String) {
        let now = clock.now()
        uncacheable.set(primary, true, expiresAt: now + Self.uncacheableFor, now: now)
    }

    /// Whether `primary`'s latest response could not be stored.
    func isUncacheable(_ primary: String) -> Bool {
        uncacheable.get(primary, now: clock.now()) ?? false
    }

    /// A response of `primary` was stored: it is cacheable again.
    func markCacheable(_ primary: String) {
        uncacheable.remove(primary)
    }

    /// The memory tier for `settings`: as few shards as keep every shard's byte budget at four times the
    /// largest response stored or more (a response must fit one shard), at most 16.
    static func memoryConfiguration(_ settings: CacheSettings) -> MemoryCacheConfiguration {
        let largest = settings.maxObjectBytes + (64 << 10)  // the head's fields besides the body
        let shards = max(1, min(16, settings.memoryBytes / max(1, 4 * largest), MemoryCacheConfiguration.Defaults.shards(forMaximumEntries: settings.maxEntries)))
        return MemoryCacheConfiguration(
            maximumEntries: settings.maxEntries, maximumBytes: settings.memoryBytes,
            maximumEntryBytes: min(settings.memoryBytes / shards, largest), shards: shards
        )
    }

    /// Stops what runs in the background (the revalidation client).
    func shutdown() async {
        try? await revalidator.client.shutdown()
    }

    // MARK: Keys

    /// The primary key of a request: canonical path, a space, then ``CacheKey/primary(method:scheme:host:path:query:)``.
    static func primaryKey(method: HTTPMethod, scheme: String, host: String, path: String, query: String?) -> String {
        path + " " + CacheKey.primary(method: method, scheme: scheme, host: host, path: path, query: query)
    }

    // MARK: Reading

    /// A stored response for the request, from memory only (no waiting): the event loop's fast path.
    /// `nil` when memory does not have it (Redis may).
    func memoryResponse(primary: String, requestHeaders: HTTPHeaders) -> (key: String, response: StoredResponse)? {
        guard let entry = tiered.memoryLookup(primary).flatMap(Self.entry) else { return nil }
        switch entry {
        case .response(let response): return (primary, response)
        case .variants(let index):
            let key = index.variantKey(primary: primary, requestHeaders: requestHeaders)
            guard case .response(let response)? = tiered.memoryLookup(key).flatMap(Self.entry) else { return nil }
            return (key, response)
        }
    }

    /// A stored response for the request from either tier.
    func response(primary: String, requestHeaders: HTTPHeaders) async -> (key: String, response: StoredResponse)? {
        guard let entry = await tiered.lookup(primary).flatMap(Self.entry) else { return nil }
        switch entry {
        case .response(let response): return (primary, response)
        case .variants(let index):
            let key = index.variantKey(primary: primary, requestHeaders: requestHeaders)
            guard case .response(let response)? = await tiered.lookup(key).flatMap(Self.entry) else { return nil }
            return (key, response)
        }
    }

    /// The entry a cached value holds: its decoded form when it was stored here, else decoded from its
    /// bytes (a value read from Redis).
    static func entry(_ value: CachedValue) -> StoredEntry? {
        (value.decoded as? StoredEntry) ?? StoredEntry(encoded: value.bytes)
    }

    /// Whether the cache has a Redis tier that is in use (so waiting for another instance's fetch makes sense).
    var sharedTierAvailable: Bool { tiered.sharedTierAvailable }

    // MARK: Writing

    /// Stores `response` for the request, under its variant key when it varies, with `tags`: in memory
    /// at once (the next request finds it), and returns what is still to go to Redis.
    func storeLocally(_ response: StoredResponse, primary: String, requestHeaders: HTTPHeaders, tags: [String]) -> [(String, CachedValue)] {
        let retention = response.retention
        let now = tiered.now
        func value(_ entry: StoredEntry) -> CachedValue {
            var value = CachedValue(bytes: entry.encoded(), loadedAt: now, loadMilliseconds: 0, options: CacheEntryOptions(ttl: retention, tags: tags, refreshesEarly: false))
            value.decoded = entry
            return value
        }
        let names = response.decision.varyFieldNames
        var entries: [(String, CachedValue)] = []
        if names.isEmpty {
            entries.append((primary, value(.response(response))))
        } else {
            // The index in force keeps its generation (its other variants stay reachable); a new one gets a new one.
            var index = VariantIndex(varyFieldNames: names, generation: UInt64.random(in: 1 ... .max))
            if case .variants(let current)? = tiered.memoryLookup(primary).flatMap(Self.entry), current.varyFieldNames == names {
                index = current
            }
            entries.append((primary, value(.variants(index))))
            entries.append((index.variantKey(primary: primary, requestHeaders: requestHeaders), value(.response(response))))
        }
        for (key, value) in entries { tiered.storeLocally(key, value) }
        return entries
    }

    /// Stores `response` in both tiers.
    func store(_ response: StoredResponse, primary: String, requestHeaders: HTTPHeaders, tags: [String]) async {
        for (key, value) in storeLocally(response, primary: primary, requestHeaders: requestHeaders, tags: tags) {
            await tiered.storeShared(key, value)
        }
    }

    /// The response's tags: the values of `cache.tag_header`, split on commas and spaces.
    func tags(of head: HTTPResponseHead) -> [String] {
        head.headers[settings.tagHeader].flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }) }.map(String.init).filter { !$0.isEmpty }
    }

    // MARK: Purging

    /// Removes every response whose canonical path starts with `prefix` (on `host` only, when given),
    /// here and on the other instances. Returns how many entries this instance removed (a varying
    /// response counts its variant index too).
    /// - Throws: ``PurgeError`` when `prefix` is not a path.
    public func purge(prefix: String, host: String? = nil) async throws -> Int {
        guard prefix.hasPrefix("/"), case .canonical(let canonical) = PathCanonicalizer.canonicalize(prefix[...], escapes: .keep),
              !canonical.contains("?")
        else { throw PurgeError(message: "prefix must be a path starting with '/' (no query), got '\(prefix)'") }
        guard let host else { return await tiered.invalidate(prefix: canonical) }
        let wanted = CacheKey.host(host, scheme: nil)
        return await tiered.invalidate(prefix: canonical) { key in Self.host(ofKey: key).map { CacheKey.host($0, scheme: nil) } == wanted }
    }

    /// Removes the responses stored for `url` (every variant), here and on the other instances. The URL's
    /// scheme does not matter: the responses a plain-HTTP and an HTTPS listener stored for it both go
    /// (behind a TLS-terminating proxy, clients' `https` URLs reach a plain listener).
    /// - Throws: ``PurgeError`` when `url` is not an absolute http(s) URL.
    public func purge(url: String) async throws -> Int {
        guard let target = PurgeTarget(url: url) else { throw PurgeError(message: "url must be an absolute http:// or https:// URL, got '\(url)'") }
        var purged = 0
        for scheme in ["http", "https"] {
            // The primary key holds the response, or the index its variants are reached through.
            let primary = Self.primaryKey(method: .GET, scheme: scheme, host: target.host, path: target.path, query: target.query)
            if await tiered.invalidate(key: primary) { purged += 1 }
        }
        return purged
    }

    /// Removes what is stored for one request target, first from memory (at once), then from Redis and the
    /// other instances' memory: for an unsafe method's invalidation (RFC 9111 §4.4), with no keyspace walk.
    func invalidate(primary: String) {
        tiered.removeFromMemory(key: primary)
        Task { await tiered.invalidate(key: primary) }
    }

    /// Removes every response tagged `tag`, here and on the other instances.
    public func purge(tag: String) async -> Int {
        await tiered.invalidate(tag: tag)
    }

    /// The host part of a key (lower-cased, default port removed).
    static func host(ofKey key: String) -> String? {
        // "<path> GET|<n>:<scheme>|<n>:<host>|…": the host is the third `|` part, after its length.
        guard let space = key.firstIndex(of: " ") else { return nil }
        let parts = key[key.index(after: space)...].split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let colon = parts[2].firstIndex(of: ":") else { return nil }
        return String(parts[2][parts[2].index(after: colon)...])
    }

    // MARK: Figures

    /// What `GET /api/cache` shows.
    public var statistics: ResponseCacheStatistics {
        let memory = tiered.memoryStatistics
        let tallies = counters.snapshot.filter { $0.value > 0 }
        let hits = (tallies[.hit] ?? 0) + (tallies[.stale] ?? 0) + (tallies[.revalidated] ?? 0)
        let misses = tallies[.miss] ?? 0
        let redisLookups = tiered.sharedLookups
        return ResponseCacheStatistics(
            memoryEntries: memory?.entries, memoryBytes: memory?.bytes, memoryBudget: settings.usesMemory ? settings.memoryBytes : nil,
            memoryEvictions: memory?.evictions, memoryHits: memory?.hits, memoryMisses: memory?.misses,
            redisConfigured: tiered.hasSharedTier, redisAvailable: tiered.sharedTierAvailable,
            redisHits: redisLookups.hits, redisMisses: redisLookups.misses,
            responses: Dictionary(uniqueKeysWithValues: tallies.map { ($0.key.rawValue, $0.value) }),
            hitRatio: hits + misses == 0 ? nil : Double(hits) / Double(hits + misses)
        )
    }
}

/// The figures of the response cache.
public struct ResponseCacheStatistics: Sendable, Equatable {
    /// Entries in the memory tier (nil without one).
    public var memoryEntries: Int?
    /// Bytes in the memory tier.
    public var memoryBytes: Int?
    /// The memory tier's byte budget (`cache.memory`).
    public var memoryBudget: Int?
    /// Entries the memory tier dropped for room.
    public var memoryEvictions: Int?
    /// Lookups the memory tier answered (a varying response takes two: its index, then the variant).
    public var memoryHits: Int?
    /// Lookups the memory tier did not answer.
    public var memoryMisses: Int?
    /// Whether `cache.redis` is set.
    public var redisConfigured: Bool
    /// Whether the Redis tier is in use now (its breaker lets calls through).
    public var redisAvailable: Bool
    /// Lookups Redis answered with a response.
    public var redisHits: Int
    /// Lookups Redis did not answer (a miss, or Redis unavailable).
    public var redisMisses: Int
    /// Responses served per cache status (`HIT`, `MISS`, `STALE`, `REVALIDATED`, `BYPASS`).
    public var responses: [String: Int]
    /// Served from the cache (hit, stale, revalidated) over those plus misses; nil before any.
    public var hitRatio: Double?
}

/// A purge the cache cannot do, with what to change.
public struct PurgeError: Error, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    public var description: String { message }
}

/// The parts of an absolute URL a purge names.
struct PurgeTarget {
    let scheme: String
    let host: String
    let path: String
    let query: String?

    init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let host = rest[..<authorityEnd]
        guard !host.isEmpty, !host.contains("@") else { return nil }
        var target = rest[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        let requestTarget = target.first == "/" ? String(target) : "/" + target
        guard case .canonical(let canonical) = PathCanonicalizer.canonicalize(requestTarget[...], escapes: .keep) else { return nil }
        let path = canonical.prefix { $0 != "?" }
        let query = path.count < canonical.count ? String(canonical.dropFirst(path.count + 1)) : nil
        self.scheme = scheme
        self.host = String(host)
        self.path = String(path)
        self.query = query
    }
}
