import AsyncHTTPClient
import Foundation
import Logging
import Resilience
import Synchronization

/// Holds an access token and renews it by itself: ahead of expiry in the background, at once when a
/// request finds none, and once when a request with it is answered 401.
///
/// ```swift
/// let provider = try TokenProvider(name: "vendor", credentials: credentials, httpClient: .shared)
/// provider.start()                                   // fetch the first token now
/// let token = try await provider.token()             // waits only when no unexpired token exists
/// request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)")
/// …
/// provider.shutdown()
/// ```
///
/// One refresh at a time: every request that needs a token while one is in flight waits for it. Fetches
/// run through a ``ResiliencePipeline`` (by default ``ResiliencePreset/externalAPI(name:)``: retry and a
/// circuit breaker); when they fail, the current token stays in use until it expires, and only then do
/// requests fail with ``TokenUnavailableError``. The decisions live in ``TokenLifecycle``; this class holds
/// it under a lock, runs the fetch and the renewal timer, and reports events after unlocking.
public final class TokenProvider: Sendable {
    /// Fetches one token; the provider stamps it with the time the attempt started.
    public typealias Fetch = @Sendable () async throws -> TokenGrant

    /// The settings this provider runs with.
    public let configuration: TokenProviderConfiguration
    let clock: PolicyClock
    let pipeline: ResiliencePipeline
    let fetchToken: Fetch
    let core: Mutex<Core>
    let telemetry: TokenProviderTelemetry

    /// The lifecycle and what the shell keeps beside it: waiting requests' continuations and its two tasks.
    struct Core: ~Copyable {
        var machine: TokenLifecycle
        var continuations: [TokenLifecycle.WaiterID: CheckedContinuation<AccessToken, any Error>] = [:]
        var nextWaiter: UInt64 = 0
        var timer: Task<Void, Never>?
        var fetch: Task<Void, Never>?
    }

    /// Creates a provider that fetches tokens with `fetch`.
    /// - Parameters:
    ///   - configuration: name, renewal policy, logger, events.
    ///   - clock: the clock expiry and renewal are measured on. Defaults to `ContinuousClock`; tests pass a manual clock.
    ///   - pipeline: what each fetch runs through. Defaults to ``ResiliencePreset/externalAPI(name:)``
    ///     named `credentials-<name>`, on `clock`.
    ///   - fetch: asks the token endpoint for a token, e.g. ``TokenEndpointClient/fetch(logger:)``.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        _ configuration: TokenProviderConfiguration,
        clock: any Clock<Duration> = ContinuousClock(),
        pipeline: ResiliencePipeline? = nil,
        fetch: @escaping Fetch
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.clock = PolicyClock(clock)
        if let pipeline {
            self.pipeline = pipeline
        } else {
            self.pipeline = try ResiliencePreset.externalAPI(name: "credentials-\(configuration.name)").pipeline(clock: clock)
        }
        self.fetchToken = fetch
        self.core = Mutex(Core(machine: TokenLifecycle(policy: configuration.renewal)))
        self.telemetry = TokenProviderTelemetry(configuration: configuration)
    }

    /// Creates a provider for the OAuth 2.0 client credentials grant, over `httpClient`.
    /// - Parameters:
    ///   - name: the provider's name in logs, metrics and errors.
    ///   - credentials: the token endpoint and client; its ``OAuth2ClientCredentials/renewBefore`` applies.
    ///   - httpClient: the client token requests go through (not shut down by the provider).
    ///   - renewal: the rest of the renewal policy (retry and minimum intervals).
    ///   - preset: the retry and breaker fetches run through. Defaults to ``ResiliencePreset/externalAPI(name:)``.
    ///   - clock: the clock expiry and renewal are measured on.
    ///   - logger: the provider's logger; the token endpoint's requests log through it too.
    ///   - onEvent: receives every ``TokenProviderEvent``.
    /// - Throws: ``ConfigurationError`` naming every invalid setting of `credentials` and `renewal`.
    public convenience init(
        name: String,
        credentials: OAuth2ClientCredentials,
        httpClient: HTTPClient,
        renewal: TokenRenewalPolicy = TokenRenewalPolicy(),
        preset: ResiliencePreset? = nil,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "bulwark.credentials"),
        onEvent: (@Sendable (TokenProviderEvent) -> Void)? = nil
    ) throws(ConfigurationError) {
        let endpoint = try TokenEndpointClient(credentials: credentials, httpClient: httpClient)
        var renewal = renewal
        renewal.renewBefore = credentials.renewBefore
        let preset = preset ?? .externalAPI(name: "credentials-\(name)")
        try self.init(
            TokenProviderConfiguration(name: name, renewal: renewal, logger: logger, onEvent: onEvent),
            clock: clock,
            pipeline: preset.pipeline(clock: clock),
            fetch: { try await endpoint.fetch() }
        )
    }

    deinit {
        core.withLock { core in
            core.timer?.cancel()
            core.fetch?.cancel()
        }
    }

    /// The provider's name.
    public var name: String { configuration.name }

    /// Fetches the first token in the background unless one is usable or on its way. Optional: the first
    /// ``token()`` does the same.
    public func start() {
        let now = clock.now()
        let (events, resumptions) = core.withLock { core in perform(core.machine.started(at: now), in: &core) }
        finish(events, resumptions)
    }

    /// The current token when it has not expired; `nil` otherwise (then ``token()`` waits for one).
    /// Never blocks and never starts a refresh: the gateway's hot path.
    public func currentToken() -> AccessToken? {
        let now = clock.now()
        return core.withLock { $0.machine.usableToken(at: now) }
    }

    /// An unexpired token: at once when one is held, otherwise after the refresh this call starts or joins.
    /// - Throws: ``TokenUnavailableError`` when that refresh fails (no unexpired token is left) or the provider
    ///   is shut down; `CancellationError` when the calling task is cancelled while waiting.
    public func token() async throws -> AccessToken {
        if let token = currentToken() { return token }
        let waiter = core.withLock { core -> TokenLifecycle.WaiterID in
            core.nextWaiter += 1
            return TokenLifecycle.WaiterID(core.nextWaiter)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                wait(waiter, continuation)
            }
        } onCancel: {
            let continuation = core.withLock { core in
                core.machine.waiterCancelled(waiter) ? core.continuations.removeValue(forKey: waiter) : nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Reports that a request sent with `token` was answered 401. When `token` is the current one it is
    /// dropped and one refresh starts; when it was already replaced nothing happens.
    /// - Returns: whether the token was dropped (false: it was already replaced, or a 401 within
    ///   ``TokenRenewalPolicy/minimumInterval`` of the last 401-started refresh left it in use).
    @discardableResult
    public func reportUnauthorized(_ token: AccessToken) -> Bool {
        let now = clock.now()
        let (dropped, events, resumptions) = core.withLock { core in
            let wasCurrent = !core.machine.isShutDown && core.machine.current?.value == token.value
            let (events, resumptions) = perform(core.machine.unauthorized(with: token, at: now), in: &core)
            let dropped = wasCurrent && core.machine.current?.value != token.value
            return (dropped, (dropped ? [.tokenRejected(provider: name)] : []) + events, resumptions)
        }
        finish(events, resumptions)
        return dropped
    }

    /// The token to retry with after a request sent with `rejected` was answered 401: reports the 401
    /// (see ``reportUnauthorized(_:)``), then returns the current token, waiting for the refresh if needed.
    public func token(replacing rejected: AccessToken) async throws -> AccessToken {
        reportUnauthorized(rejected)
        return try await token()
    }

    /// Stops: the renewal timer and a refresh in flight are cancelled, waiting requests fail, later calls
    /// to ``token()`` throw ``TokenUnavailableError``.
    public func shutdown() {
        let (events, resumptions) = core.withLock { core in
            let result = perform(core.machine.shutdown(), in: &core)
            core.fetch?.cancel()
            core.fetch = nil
            return result
        }
        finish(events, resumptions)
        telemetry.record(.shutDown(provider: name))
    }
}
