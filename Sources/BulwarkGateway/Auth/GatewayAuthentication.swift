import AsyncHTTPClient
import BulwarkAuth
import BulwarkConfig
import BulwarkRedis
import CoreMetrics
import Logging
import NIOHTTP1
import Synchronization

/// The gateway's part in bearer-token authentication (`auth:`): the issuers' key sets (kept fresh by a
/// ``KeySetProvider``), the revocation list (a ``TokenRevocation`` mirrored in memory, shared through
/// Redis when `auth.revocation.redis` is on) and the verification count. A request is verified on its
/// event loop without waiting, except when its token names a key the set lacks: then the set is fetched
/// again once (see ``ProxyExchange`` `+Auth`).
public final class GatewayAuthentication: Sendable {
    /// The issuers' key sets.
    public let keys: KeySetProvider
    /// The revocation list.
    public let revocation: TokenRevocation
    let telemetry: AuthTelemetry
    /// Tokens verified recently (a client sends the same one on every request): their signature is
    /// checked once per key set.
    let tokenCache = VerifiedTokenCache()
    let logger: Logger
    /// The invalidation bus revocations travel on between gateways (`auth.revocation.redis`).
    private let bus: InvalidationBus?
    /// The bus's subscription loop, started by ``start()`` so the gateway listens only once subscribed.
    private let busTask = Mutex<Task<Void, Never>?>(nil)
    /// The latest key-set reload, which the next one waits for.
    private let reloads = Mutex<Task<Void, Never>?>(nil)
    private let wallClock: @Sendable () -> Double

    /// What verifying a request's token led to.
    enum Step: Sendable {
        /// Decided without waiting.
        case decided(RequestAuthentication)
        /// The token's `kid` is not in its issuer's key set: fetch the set again, then ``afterKeyRefresh(_:)``.
        case needsKeys(issuer: String, keyID: String, token: String)
    }

    /// - Parameters:
    ///   - settings: `auth:`; a gateway without it gets an empty one, so that a reload can add issuers.
    ///   - redis: the client `auth.revocation.redis` uses (nil keeps the list in this process).
    ///   - wallClock: seconds since 1970 (token times are wall-clock times).
    init(settings: AuthSettings, redis: RedisClient?, wallClock: @escaping @Sendable () -> Double, logger: Logger, metricsFactory: any MetricsFactory) {
        self.logger = logger
        self.wallClock = wallClock
        self.telemetry = AuthTelemetry(factory: metricsFactory)
        self.keys = KeySetProvider(
            issuers: settings.jwt.issuers.map(Self.issuer), leeway: settings.jwt.leeway, httpClient: HTTPClient.shared,
            wallClock: wallClock, logger: logger, metricsFactory: metricsFactory
        )
        let shared = settings.revocation.usesRedis ? redis : nil
        let bus = shared.map { InvalidationBus(redis: $0, logger: logger, metricsFactory: metricsFactory) }
        self.bus = bus
        self.revocation = TokenRevocation(
            store: shared.map { RedisRevocationStore(redis: $0) as any RevocationStore } ?? MemoryRevocationStore(now: wallClock),
            bus: bus,
            onStoreFailure: settings.revocation.onStoreFailure == .deny ? .deny : .allow,
            maxTTL: settings.revocation.maxTTL, leeway: settings.jwt.leeway, now: wallClock, logger: logger, metricsFactory: metricsFactory
        )
    }

    static func issuer(_ settings: JWTIssuerSettings) -> IssuerConfiguration {
        let source: KeySource = switch settings.keys {
        case .file(let path): .file(path: path)
        case .url(let url, let refresh): .url(url, refresh: refresh)
        case .secret(let secret): .secret(secret)
        }
        return IssuerConfiguration(issuer: settings.issuer, audiences: settings.audiences, algorithms: settings.algorithms, source: source)
    }

    /// What the gateway needs before it listens: every key set (throws when a `jwks_file` cannot be used;
    /// a `jwks_url` that is down is retried in the background), then the invalidation bus subscribed
    /// (waiting up to ``subscriptionWait``), then the revocation list loaded once. In that order, so no
    /// revocation published meanwhile is missed and the first requests see what other gateways revoked.
    /// A Redis that is down is retried by the bus and by ``run()``; `on_store_failure` decides meanwhile.
    func start() async throws {
        try await keys.load()
        if let bus {
            let task = Task { await bus.run() }
            busTask.withLock { $0 = task }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: Self.subscriptionWait)
            while !bus.isConnected, clock.now < deadline { try? await clock.sleep(for: .milliseconds(5)) }
        }
        await revocation.preload()
    }

    /// How long ``start()`` waits for the invalidation bus to subscribe before the gateway listens.
    static let subscriptionWait: Duration = .seconds(2)

    /// Stops what ``start()`` began (the bus), when ``run()`` will not run.
    func stop() {
        busTask.withLock { $0?.cancel() }
    }

    /// Keeps key sets and the revocation list fresh until cancelled (the bus started by ``start()`` too).
    func run() async {
        let task = busTask.withLock { $0 }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.keys.run() }
                group.addTask { await self.revocation.run() }
                // Without start(), the bus starts here.
                if task == nil, let bus = self.bus { group.addTask { await bus.run() } }
                await group.waitForAll()
            }
        } onCancel: {
            task?.cancel()
        }
        await task?.value
    }

    /// Applies a reloaded `auth:` (issuers, key sources, leeway); on failure the old keys stay.
    func reload(_ settings: AuthSettings) async throws {
        try await keys.reload(settings.jwt.issuers.map(Self.issuer), leeway: settings.jwt.leeway)
    }

    /// Starts ``reload(_:)`` once the previous one has finished, so two quick reloads apply in order.
    func reloadInTurn(_ settings: AuthSettings) {
        let logger = self.logger
        reloads.withLock { previous in
            let earlier = previous
            previous = Task {
                await earlier?.value
                do {
                    try await self.reload(settings)
                } catch {
                    logger.error("auth key sets not reloaded; the keys in force stay: \(error)")
                }
            }
        }
    }

    /// Verifies the request's bearer token, if any, and checks it against the revocation list.
    func authenticate(_ headers: HTTPHeaders) -> Step {
        switch BearerCredential.parse(authorizationValues: headers["Authorization"]) {
        case .absent:
            return .decided(.anonymous)
        case .malformed(let failure):
            return .decided(.refused(failure))
        case .token(let token):
            switch tokenCache.verify(token, with: keys.verifier, now: wallClock()) {
            case .unknownKey(let issuer, let keyID):
                return .needsKeys(issuer: issuer, keyID: keyID, token: String(token))
            case let verification:
                return .decided(decide(verification))
            }
        }
    }

    /// Verifies `token` again once its issuer's key set was fetched: a key still unknown refuses it.
    func afterKeyRefresh(_ token: String) -> RequestAuthentication {
        decide(tokenCache.verify(token[...], with: keys.verifier, now: wallClock()))
    }

    private func decide(_ verification: TokenVerification) -> RequestAuthentication {
        switch verification {
        case .refused(let failure):
            return .refused(failure)
        case .unknownKey:
            return .refused(AuthFailure(.unknownKey, "the token's key id names no key of its issuer"))
        case .verified(let token):
            switch revocation.check(token) {
            case .allowed: return .verified(token)
            case .revoked: return .refused(AuthFailure(.revoked, "the token has been revoked"))
            case .unavailable: return .refused(AuthFailure(.revocationUnavailable, "the revocation list cannot be reached; try again later"))
            }
        }
    }

    /// Revokes the caller's own token after its logout request succeeded (`routes[].revoke_on`): in
    /// force here before this returns (so before the client sees the answer), then shared.
    func revokeOnLogout(_ token: VerifiedToken) {
        let revocation = self.revocation
        let logger = self.logger
        let entry = RevocationEntry.forToken(token)
        revocation.revokeHere(entry, origin: .logout)
        Task {
            do {
                try await revocation.share(entry)
            } catch {
                logger.warning("a logout's token was revoked on this instance only: \(error)")
            }
        }
    }
}
