import BulwarkRedis
import Logging
import Metrics
import Resilience
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gateway's revocation list: a full copy in memory, checked synchronously on every authenticated
/// request, kept in step with a ``RevocationStore`` and with the other gateways through an
/// ``InvalidationBus`` (topic `revocation`).
///
/// ```swift
/// let revocation = TokenRevocation(store: RedisRevocationStore(redis: redis), bus: bus, onStoreFailure: .allow)
/// let running = Task { await revocation.run() }                 // until cancelled
/// if revocation.check(token) == .revoked { /* 401 token_revoked */ }
/// try await revocation.revoke(.forToken(token), origin: .logout)
/// ```
///
/// - ``revoke(_:origin:)`` applies the entry here at once, writes it to the store with the entry's
///   remaining life (`exp` + leeway − now, at least 1 s; `max_ttl` when `exp` is unknown; for a subject,
///   `before` + `max_ttl` + leeway − now) and announces it on the bus; the others apply it within
///   milliseconds.
/// - ``run()`` loads the store at start, applies what the others announce, reloads when the bus asks to
///   resynchronise, retries a failed load with backoff, and every `syncInterval` forgets expired entries.
/// - A load merges the store's entries into the copy and writes back (and announces) those the store
///   lacks: a write that failed, or a Redis that restarted empty. A revocation lasts until its end as long
///   as one gateway that knows it keeps running; so it cannot be withdrawn by deleting its Redis key.
/// - The list is *in step* after a successful load while the bus (if any) is connected; a failed load or
///   write, or the bus disconnecting, puts it out of step until the next successful load. Out of step,
///   ``check(_:)`` refuses tokens it does not know to be revoked only under ``StoreFailurePolicy/deny``.
///   Known revocations are refused either way, and ``check(_:)`` never waits for anything.
public final class TokenRevocation: Sendable {
    /// The invalidation-bus topic of revocations; messages are of kind `add` with an encoded entry.
    public static let busTopic = "revocation"

    /// What an unknown token gets while the list is out of step.
    public let onStoreFailure: StoreFailurePolicy
    /// The life of an entry whose token's `exp` is unknown.
    public let maxTTL: Duration
    /// How long after its `exp` the verifier still accepts a token; entries outlive `exp` by this much.
    public let leeway: Duration
    /// How often expired entries are forgotten (and the list reloaded if it is out of step).
    public let syncInterval: Duration
    /// The waits between attempts to load the list after a failed load.
    public let retryBackoff: Backoff
    let store: any RevocationStore
    let bus: InvalidationBus?
    let now: @Sendable () -> Double
    let clock: any Clock<Duration>
    let state: Mutex<State>
    let requests: AsyncStream<SyncRequest>
    let requestSink: AsyncStream<SyncRequest>.Continuation
    let telemetry: RevocationTelemetry

    struct State {
        var list: RevocationList
        /// nil until the first load; then whether the last load succeeded with nothing failing since.
        var reachable: Bool?
        /// Failures noted so far: a load that saw another failure while it ran does not count as in step.
        var failures = 0
    }

    enum SyncRequest: Sendable {
        /// `syncInterval` has passed.
        case tick
        /// The bus came back after a loss.
        case resynchronize
        /// A retry's backoff has passed.
        case retry
        /// A write or announcement failed.
        case outOfStep
    }

    /// A revocation list on `store`.
    /// - Parameters:
    ///   - store: where revocations are kept: ``RedisRevocationStore`` to share them, ``MemoryRevocationStore`` for one process.
    ///   - bus: how revocations reach the other gateways at once; nil for a single gateway.
    ///   - onStoreFailure: `auth.revocation.on_store_failure`; defaults to ``StoreFailurePolicy/allow``.
    ///   - maxTTL: `auth.revocation.max_ttl`; defaults to 24 hours.
    ///   - leeway: `auth.jwt.leeway`: entries outlive their token's `exp` by this much. Defaults to 30 s.
    ///   - syncInterval: how often expired entries are forgotten (and the list reloaded if out of step). Defaults to 30 s.
    ///   - retryBackoff: the waits between attempts to load the list after a failed load. Defaults to
    ///     100 ms doubling up to 5 s, with full jitter.
    ///   - now: the wall-clock time in seconds since 1970 (token times are compared with it).
    ///   - clock: what `syncInterval` and `retryBackoff` are measured on.
    public init(
        store: any RevocationStore,
        bus: InvalidationBus? = nil,
        onStoreFailure: StoreFailurePolicy = .allow,
        maxTTL: Duration = .seconds(86_400),
        leeway: Duration = .seconds(30),
        syncInterval: Duration = .seconds(30),
        retryBackoff: Backoff = .exponential(base: .milliseconds(100), maximum: .seconds(5)).jittered(.full),
        now: @escaping @Sendable () -> Double = TokenRevocation.systemNow,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "bulwark.auth.revocation"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.store = store
        self.bus = bus
        self.onStoreFailure = onStoreFailure
        self.maxTTL = maxTTL
        self.leeway = leeway
        self.syncInterval = syncInterval
        self.retryBackoff = retryBackoff
        self.now = now
        self.clock = clock
        self.state = Mutex(State(list: RevocationList(maxTTL: maxTTL, leeway: leeway), reachable: nil))
        (requests, requestSink) = AsyncStream.makeStream(of: SyncRequest.self, bufferingPolicy: .bufferingNewest(8))
        telemetry = RevocationTelemetry(logger: logger, factory: metricsFactory ?? MetricsSystem.factory)
        bus?.addListener(topic: Self.busTopic) { [weak self] event in self?.received(event) }
    }

    /// The wall-clock time in seconds since 1970.
    public static func systemNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Whether the list is in step with the store: loaded, nothing failed since, and the bus (if any)
    /// connected.
    public var storeReachable: Bool {
        state.withLock { $0.reachable == true } && bus?.isConnected != false
    }

    /// Entries in this gateway's list.
    public var count: Int { state.withLock { $0.list.count } }

    /// Whether `token` may pass, from memory alone (it never waits): ``RevocationVerdict/revoked`` when
    /// it is known to be revoked; ``RevocationVerdict/unavailable`` when it is not, the list is out of
    /// step and the policy is ``StoreFailurePolicy/deny``; ``RevocationVerdict/allowed`` otherwise.
    public func check(_ token: VerifiedToken) -> RevocationVerdict {
        let now = now()
        let (revoked, loaded) = state.withLock { ($0.list.isRevoked(token, now: now), $0.reachable == true) }
        let synchronized = revoked || onStoreFailure == .allow || (loaded && bus?.isConnected != false)
        return .decide(knownRevoked: revoked, synchronized: synchronized, policy: onStoreFailure)
    }

    /// Revokes `entry`: in force here at once, then written to the store and announced to the others.
    /// - Throws: ``RevocationStoreError`` when the store does not take it; the entry stays in force here
    ///   and is written when the store answers again. A failed announcement is logged, not thrown (the
    ///   entry is stored; the others find it at their next load).
    public func revoke(_ entry: RevocationEntry, origin: RevocationOrigin = .admin) async throws {
        revokeHere(entry, origin: origin)
        try await share(entry)
    }

    /// Puts `entry` in force on this gateway at once, without waiting: what a gateway does before it
    /// answers a logout, so the very next request with the token is refused. Follow it with
    /// ``share(_:)`` (or use ``revoke(_:origin:)``, which does both).
    public func revokeHere(_ entry: RevocationEntry, origin: RevocationOrigin) {
        apply(entry, now: now(), source: origin.rawValue)
    }

    /// Writes `entry` (already in force here) to the store and announces it to the other gateways.
    /// - Throws: ``RevocationStoreError`` as ``revoke(_:origin:)`` does.
    public func share(_ entry: RevocationEntry) async throws {
        let now = now()
        do {
            try await store.add(entry, ttl: lifetime(of: entry, now: now))
        } catch {
            noteReachable(false, reason: "writing \(entry.logLabel) failed: \(error)")
            requestSink.yield(.outOfStep)
            throw RevocationStoreError(entry: entry.logLabel, reason: String(describing: error))
        }
        do {
            try await announce(entry)
        } catch {
            noteReachable(false, reason: "announcing \(entry.logLabel) on the invalidation bus failed: \(error)")
            requestSink.yield(.outOfStep)
        }
    }

    func apply(_ entry: RevocationEntry, now: Double, source: String) {
        let count = state.withLock { state in
            state.list.insert(entry, now: now)
            return state.list.count
        }
        telemetry.entries(count)
        telemetry.revoked(source: source)
    }

    func announce(_ entry: RevocationEntry) async throws {
        try await bus?.publish(topic: Self.busTopic, kind: "add", value: entry.encoded)
    }

    /// The entry's remaining life, at least 1 s.
    func lifetime(of entry: RevocationEntry, now: Double) -> Duration {
        let remaining = entry.effectiveUntil(now: now, maxTTL: maxTTL.secondsDouble, leeway: leeway.secondsDouble) - now
        return .milliseconds(Int64(max(1, min(remaining, 9e9)) * 1000))
    }

    /// Records whether the list is in step (after a load) or not (after a failure), logging a change.
    /// - Parameter since: for `true`: the failure count when the load started; a failure since then keeps
    ///   the list out of step.
    /// - Returns: whether the list is in step now.
    @discardableResult
    func noteReachable(_ reachable: Bool, reason: String?, since: Int? = nil) -> Bool {
        let (previous, now, count) = state.withLock { state in
            let previous = state.reachable
            if reachable {
                if state.failures == since { state.reachable = true }
            } else {
                state.failures += 1
                state.reachable = false
            }
            return (previous, state.reachable, state.list.count)
        }
        guard previous != now, let now else { return now == true }
        telemetry.reachability(now, previous: previous, reason: reason, entries: count)
        return now

    }
}
