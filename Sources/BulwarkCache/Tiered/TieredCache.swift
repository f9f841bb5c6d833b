import BulwarkRedis
import Foundation
import Logging
import Metrics
import NIOCore
import Resilience
import Synchronization

/// A cache in two tiers: memory in this process (W-TinyLFU, bounded by entries and bytes), then Redis
/// shared by every instance, each optional. It never lets concurrent misses of one key stampede the
/// loader, keeps serving from memory when Redis dies, and can be cleared by key, prefix or tag on every
/// instance at once.
///
/// ```swift
/// let cache = try TieredCache(configuration: .init(namespace: CacheNamespace("app")), redis: redis, bus: bus)
/// let options = CacheEntryOptions(ttl: .seconds(60), staleWhileRevalidate: .seconds(30), staleIfError: .seconds(600))
/// let profile = try await cache.get("user:42", as: Profile.self, options: options) {
///     try await database.profile(id: 42)          // runs once per key at a time, however many callers miss
/// }
/// await cache.invalidate(prefix: "user:")          // here, in Redis, and (through the bus) on the others
/// ```
///
/// - **Reads** go to memory, then Redis (a Redis hit is copied to memory), then the loader.
/// - **Loads** are single-flight per key within the process: concurrent misses wait for one load.
/// - **Windows** (``CacheEntryOptions``): a fresh value is served as is, and may be reloaded a little
///   early (XFetch); a value in its stale-while-revalidate window is served at once while one reload runs
///   behind it; in its stale-if-error window it is served only when the reload fails.
/// - **Redis down**: the Redis tier sits behind a circuit breaker with a short timeout; reads and writes
///   skip it, nothing throws to the caller, and it comes back by itself. The gauge
///   `bulwark_cache_backend{tier="redis"}` shows which.
/// - **Invalidation** removes from both tiers and publishes on the ``InvalidationBus`` (when given), so
///   other instances drop their memory copies within milliseconds. Run the bus (`await bus.run()`) for as
///   long as the cache is used. When the bus's subscription was lost and comes back, this cache drops its
///   memory tier, since invalidations may have been missed.
public final class TieredCache: Sendable {
    /// The settings in use.
    public let configuration: TieredCacheConfiguration
    let memory: MemoryCache<CachedValue>?
    let shared: SharedTier?
    let bus: InvalidationBus?
    let flights = SingleFlight<CachedValue>()
    let telemetry: CacheTelemetry
    let clock: PolicyClock
    let wallOrigin: Int64
    let random: RandomSource
    let logger: Logger
    /// Counts invalidations (here and received): a load that started before one does not store its result.
    let invalidations = Atomic<UInt64>(0)
    let sharedHitCount = Atomic<Int>(0)
    /// The memory tier's evictions already counted in `bulwark_cache_evictions_total`.
    let evictionsCounted = Atomic<Int>(0)
    let sharedMissCount = Atomic<Int>(0)

    /// The bus topic of this cache's invalidations.
    public var busTopic: String { "cache:\(configuration.namespace.name)" }

    /// Creates a cache.
    /// - Parameters:
    ///   - redis: the shared tier's client; nil for a memory-only cache.
    ///   - bus: where invalidations go to and come from the other instances; nil for none.
    ///   - clock: measures windows and loads (tests pass a manual clock); wall time is this clock's time
    ///     from `wallOrigin`, Unix milliseconds (defaults to now), so that instances agree on windows.
    ///   - random: the draws of early refresh.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        configuration: TieredCacheConfiguration,
        redis: RedisClient? = nil,
        bus: InvalidationBus? = nil,
        clock: any Clock<Duration> = ContinuousClock(),
        wallOrigin: Int64? = nil,
        random: RandomSource = .system,
        logger: Logger = Logger(label: "bulwark.cache"),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.telemetry = CacheTelemetry(name: configuration.namespace.name, factory: metricsFactory)
        self.memory = try configuration.memory.map { memory throws(ConfigurationError) in try MemoryCache<CachedValue>(configuration: memory, cost: { $0.cost }) }
        self.clock = PolicyClock(clock)
        self.wallOrigin = wallOrigin ?? Int64(Date().timeIntervalSince1970 * 1000)
        self.random = random
        self.logger = logger
        self.bus = bus
        if let redis {
            let breaker = try CircuitBreaker(configuration.breaker, clock: clock)
            shared = SharedTier(redis: redis, namespace: configuration.namespace, timeout: configuration.sharedTimeout, breaker: breaker, telemetry: telemetry, logger: logger)
        } else {
            shared = nil
            telemetry.sharedBackend.record(0)
        }
        telemetry.memoryBackend.record(memory == nil ? 0 : 1)
        bus?.addListener(topic: busTopic) { [weak self] event in self?.received(event) }
    }

    /// Now, in Unix milliseconds on the cache's clock.
    public var now: Int64 { wallOrigin + clock.now().milliseconds }

    // MARK: Reading

    /// The value of `key` if it is fresh (no loader runs).
    public func get(_ key: String) async -> ByteBuffer? {
        guard let value = await lookup(key), value.state(at: now) == .fresh else { return nil }
        return value.bytes
    }

    /// The value of `key`, loading it with `loader` on a miss (once per key at a time in this process),
    /// and storing it under `options`. See the type's notes for the windows.
    /// - Throws: the loader's error when there is no value to serve instead.
    public func get(
        _ key: String, options: CacheEntryOptions, loader: @escaping @Sendable () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        let start = now
        guard let value = await lookup(key) else { return try await load(key, options: options, loader: loader).bytes }
        switch value.state(at: start) {
        case .fresh:
            if options.refreshesEarly,
               value.refreshesEarly(at: start, beta: configuration.earlyRefreshBeta, uniform: uniformDraw()),
               !flights.isLoading(key) {
                refreshBehind(key, options: options, loader: loader)
            }
            return value.bytes
        case .staleWhileRevalidate:
            telemetry.staleForRevalidation.increment()
            refreshBehind(key, options: options, loader: loader)
            return value.bytes
        case .staleIfError:
            do {
                return try await load(key, options: options, loader: loader).bytes
            } catch {
                telemetry.staleForError.increment()
                logger.warning("cache: serving a stale value after a failed load: \(error)", metadata: ["key": "\(key)"])
                return value.bytes
            }
        case .expired:
            return try await load(key, options: options, loader: loader).bytes
        }
    }

    /// The value of `key` in the memory tier, whatever its state, without waiting (no Redis call): the
    /// fast path for callers on an event loop.
    public func memoryLookup(_ key: String) -> CachedValue? {
        guard let memory else { return nil }
        if let value = memory.get(key, now: clock.now()) {
            telemetry.memoryHits.increment()
            return value
        }
        telemetry.memoryMisses.increment()
        return nil
    }

    /// The value of `key` in the Redis tier (copied to memory when found); nil when it is not there, or
    /// Redis is not configured or unavailable.
    public func sharedLookup(_ key: String) async -> CachedValue? {
        guard let shared else { return nil }
        guard let value = await shared.get(key), value.state(at: now) != .expired else {
            telemetry.sharedMisses.increment()
            sharedMissCount.add(1, ordering: .relaxed)
            return nil
        }
        telemetry.sharedHits.increment()
        sharedHitCount.add(1, ordering: .relaxed)
        storeInMemory(key, value)
        return value
    }

    /// The stored value of `key` from memory, else from Redis (copied to memory), whatever its state; nil
    /// when neither has it (or it has expired).
    public func lookup(_ key: String) async -> CachedValue? {
        if let value = memoryLookup(key) { return value }
        return await sharedLookup(key)
    }

    // MARK: Writing

    /// Stores `bytes` for `key` under `options`, in both tiers.
    public func set(_ key: String, _ bytes: ByteBuffer, options: CacheEntryOptions) async {
        await store(key, CachedValue(bytes: bytes, loadedAt: now, loadMilliseconds: 0, options: options))
    }

    /// Stores a value made elsewhere (e.g. with windows from HTTP caching rules), in both tiers.
    public func store(_ key: String, _ value: CachedValue) async {
        storeInMemory(key, value)
        await storeShared(key, value)
    }

    /// Stores a value in the memory tier only, without waiting: a caller on an event loop stores here
    /// first, so the next request finds it, then calls ``storeShared(_:_:)`` off the loop.
    public func storeLocally(_ key: String, _ value: CachedValue) {
        storeInMemory(key, value)
    }

    /// Stores a value in the Redis tier only (nothing without one).
    public func storeShared(_ key: String, _ value: CachedValue) async {
        await shared?.set(key, value, now: now)
    }

    // MARK: Loading

    /// Loads through the single flight, stores the result, and counts it.
    func load(_ key: String, options: CacheEntryOptions, loader: @escaping @Sendable () async throws -> ByteBuffer) async throws -> CachedValue {
        // Taken before the load can start: an invalidation from now on keeps its result out.
        let epoch = invalidationEpoch
        let (value, role) = try await flights.run(key) { [self] in
            let started = clock.now()
            do {
                let bytes = try await loader()
                let took = (clock.now() - started).milliseconds
                let value = CachedValue(bytes: bytes, loadedAt: now, loadMilliseconds: took, options: options)
                telemetry.loadSuccesses.increment()
                // An invalidation while the loader ran may have been meant for this very value: it is
                // returned to the callers but not stored.
                if invalidationEpoch == epoch { await store(key, value) }
                return value
            } catch {
                telemetry.loadFailures.increment()
                throw error
            }
        }
        if role == .follower { telemetry.collapsedLoads.increment() }
        return value
    }

    /// Starts a reload that nobody waits for (stale-while-revalidate, early refresh); its failure leaves
    /// the old value in place.
    func refreshBehind(_ key: String, options: CacheEntryOptions, loader: @escaping @Sendable () async throws -> ByteBuffer) {
        guard !flights.isLoading(key) else { return }
        Task { [self] in
            do {
                _ = try await load(key, options: options, loader: loader)
            } catch {
                logger.notice("cache: a background refresh failed; the old value stays: \(error)", metadata: ["key": "\(key)"])
            }
        }
    }

    /// Invalidations so far, here and received from other instances. Take it before fetching a value made
    /// elsewhere and compare before ``store(_:_:)``: if it moved, an invalidation may have been meant for
    /// what was fetched.
    public var invalidationEpoch: UInt64 { invalidations.load(ordering: .acquiring) }

    /// Whether a load of `key` runs in this process now.
    public func isLoading(_ key: String) -> Bool { flights.isLoading(key) }

    func storeInMemory(_ key: String, _ value: CachedValue) {
        guard let memory else { return }
        memory.set(key, value, expiresAt: Duration.milliseconds(value.errorUntil - wallOrigin), now: clock.now())
        recordMemorySize()
    }

    /// Updates the memory tier's gauges, and counts the evictions since the last update.
    func recordMemorySize() {
        guard let statistics = memory?.statistics else { return }
        telemetry.entries.record(statistics.entries)
        telemetry.bytes.record(statistics.bytes)
        // Victims and refused candidates alike (as Caffeine counts them): values that did not stay for room.
        let dropped = statistics.evictions + statistics.rejections
        let previous = evictionsCounted.exchange(dropped, ordering: .relaxed)
        if dropped > previous { telemetry.evictions.increment(by: Int64(dropped - previous)) }
    }

    func uniformDraw() -> Double {
        var generator = random.generator
        return Double(generator.next() >> 11 | 1) / Double(1 << 53)
    }
}
