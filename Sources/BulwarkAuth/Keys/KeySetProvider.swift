import AsyncHTTPClient
import Logging
import Metrics
import Resilience
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps every issuer's verification keys current and hands out the ``TokenVerifier`` built on them.
///
/// ```swift
/// let provider = KeySetProvider(
///     issuers: [IssuerConfiguration(issuer: "https://idp.example.com", audiences: ["api"], algorithms: ["RS256"],
///                                   source: .url("https://idp.example.com/jwks.json", refresh: .seconds(300)))],
///     leeway: .seconds(30), httpClient: .shared, logger: logger)
/// try await provider.load()          // at start: a bad file or secret throws
/// async let loop: Void = provider.run()   // file changes, URL refreshes
/// switch provider.verifier.verify(token, now: now) {
/// case .unknownKey(let issuer, let kid):
///     if await provider.refreshForUnknownKey(issuer: issuer, keyID: kid) { /* verify again */ }
/// default: …
/// }
/// ```
///
/// - `jwks_file`: read by ``load()`` and ``reload(_:leeway:)``; ``run()`` re-reads it when its inode,
///   size or modification time changes (checked every second). A version that cannot be loaded (a file
///   half written, say) keeps the previous keys and is logged once.
/// - `jwks_url`: fetched (5 s timeout, 1 MiB at most) at start, every `refresh`, after a failure with
///   backoff (1 s doubling up to `refresh`), and for an unknown `kid` at most once per 10 s. A URL that
///   cannot be fetched at start does not fail ``load()``: the issuer stays stale and is retried.
/// - `secret`: an HMAC key, loaded once.
///
/// Metrics: `bulwark_auth_key_refreshes_total{issuer,outcome,trigger}` and `bulwark_auth_key_set_stale{issuer}`.
/// Neither the logs, the errors nor ``status`` ever hold key material or a secret.
public final class KeySetProvider: Sendable {
    /// How often ``run()`` looks at `jwks_file`s and due `jwks_url`s: 1 second.
    public static let pollInterval: Duration = .seconds(1)

    private let configured: [IssuerConfiguration]
    let clock: PolicyClock
    let wallClock: @Sendable () -> Double
    let logger: Logger
    let telemetry: KeySetTelemetry
    let fetcher: JWKSFetcher
    let state: Mutex<State>
    let current: Mutex<TokenVerifier>

    /// A provider for `issuers`; nothing is loaded until ``load()``.
    /// - Parameters:
    ///   - issuers: the issuers and where their keys come from.
    ///   - leeway: the clock skew the verifier allows on `exp`, `nbf` and `iat`.
    ///   - httpClient: fetches `jwks_url`s; the caller owns it.
    ///   - clock: times refreshes, retries, the unknown-`kid` cooldown and file polling. Defaults to
    ///     `ContinuousClock`.
    ///   - wallClock: seconds since 1970, for ``KeySetStatus/lastRefresh``. Defaults to the system's.
    ///   - logger: where loads and failures are logged.
    ///   - metricsFactory: where the metrics go. Defaults to the bootstrapped `MetricsSystem`.
    public init(
        issuers: [IssuerConfiguration],
        leeway: Duration,
        httpClient: HTTPClient,
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Double = KeySetProvider.systemTime,
        logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        configured = issuers
        self.clock = PolicyClock(clock)
        self.wallClock = wallClock
        self.logger = logger
        telemetry = KeySetTelemetry(factory: metricsFactory ?? MetricsSystem.factory)
        fetcher = JWKSFetcher(client: httpClient)
        state = Mutex(State(leeway: leeway))
        current = Mutex(TokenVerifier(issuers: [], leeway: leeway))
    }

    /// The verifier over the current keys of every issuer that has some. Cheap: a copy under a lock.
    public var verifier: TokenVerifier { current.withLock { $0 } }

    /// Every issuer's key set, in configuration order.
    public var status: [KeySetStatus] {
        let now = clock.now()
        return state.withLock { state in state.order.compactMap { state.entries[$0]?.status(at: now) } }
    }

    /// Loads every issuer's keys for the first time.
    /// - Throws: ``KeySetLoadError`` naming each issuer whose `jwks_file` or `secret` cannot be used, or whose
    ///   `jwks_url` is not an `http(s)` URL. A URL that cannot be fetched is logged, marked stale and retried
    ///   by ``run()`` instead.
    public func load() async throws(KeySetLoadError) {
        try await install(configured, leeway: state.withLock { $0.leeway }, trigger: .start)
    }

    /// Loads every issuer's keys again for a configuration reload, then switches to them.
    /// - Throws: ``KeySetLoadError`` as ``load()`` does; the previous issuers and keys then stay in use.
    public func reload(_ issuers: [IssuerConfiguration], leeway: Duration) async throws(KeySetLoadError) {
        try await install(issuers, leeway: leeway, trigger: .reload)
    }

    /// Loads `issuer`'s keys again because a token named `keyID`, which its set lacks: a `jwks_url` is
    /// fetched and a `jwks_file` re-read, at most once per 10 s per issuer; callers meanwhile share the
    /// one load under way.
    /// - Returns: whether `keyID` is now known (false for a secret, an unknown issuer, or in the cooldown).
    public func refreshForUnknownKey(issuer: String, keyID: String) async -> Bool {
        let now = clock.now()
        let wait: Task<Void, Never>?? = state.withLock { state in
            guard var entry = state.entries[issuer], entry.configuration.source.kind != .secret else { return .none }
            if entry.keys?.contains(keyID: keyID) == true { return .some(nil) }
            let action = entry.schedule.unknownKeySeen(at: now)
            state.entries[issuer] = entry
            switch action {
            case .coolDown: return .none
            case .join: return .some(state.inFlight[issuer])
            case .fetch: return .some(launch(issuer, in: &state, trigger: .unknownKey))
            }
        }
        guard case .some(let task) = wait else { return false }
        await task?.value
        return state.withLock { $0.entries[issuer]?.keys?.contains(keyID: keyID) ?? false }
    }

    /// Until cancelled: every ``pollInterval``, re-reads each `jwks_file` that changed and fetches each
    /// `jwks_url` that is due, and updates the stale gauges.
    public func run() async {
        while !Task.isCancelled {
            tick()
            do { try await clock.sleep(for: Self.pollInterval) } catch { return }
        }
    }

    /// Seconds since 1970 from the system's real-time clock.
    @Sendable public static func systemTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
