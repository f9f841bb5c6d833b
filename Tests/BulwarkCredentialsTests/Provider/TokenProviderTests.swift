import BulwarkTestSupport
import Logging
import Resilience
import Testing

@testable import BulwarkCredentials

@Suite(.timeLimit(.minutes(1))) struct TokenProviderTests {
    /// A provider on a manual clock, without retry or breaker (each fetch is one call).
    static func make(
        _ endpoint: FakeTokenEndpoint, clock: ManualClock, events: EventRecorder,
        renewBefore: RenewBefore = .duration(.seconds(3)), logger: Logger = Logger(label: "test")
    ) throws -> TokenProvider {
        try TokenProvider(
            TokenProviderConfiguration(
                name: "vendor",
                renewal: TokenRenewalPolicy(renewBefore: renewBefore, retryInterval: .seconds(2), minimumInterval: .seconds(1)),
                logger: logger,
                onEvent: events.handler
            ),
            clock: clock,
            pipeline: ResiliencePipeline([]),
            fetch: endpoint.fetch
        )
    }

    @Test("the token is renewed renew_before ahead of its expiry: not sooner, and before it expires")
    func renewsAheadOfExpiry() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        defer { provider.shutdown() }
        provider.start()
        await events.waitForRefreshesEnded(1)
        #expect(provider.currentToken()?.value == "fake-1")
        #expect(await yieldUntil { clock.sleepers == 1 }, "the renewal timer sleeps")
        clock.advance(by: .milliseconds(6_999))
        #expect(endpoint.calls == 1, "not yet: renewal is due at 7 s")
        clock.advance(by: .milliseconds(1))
        await events.waitForRefreshesEnded(2)
        #expect(endpoint.calls == 2)
        #expect(provider.currentToken()?.value == "fake-2")
        #expect(provider.status().tokenExpiresIn == .seconds(10), "the new token was issued at 7 s")
    }

    @Test("200 callers without a token share one refresh")
    func singleFlight() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        defer { provider.shutdown() }
        endpoint.hold()
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 { group.addTask { try await provider.token().value } }
            #expect(await yieldUntil { endpoint.held == 1 && provider.status().refreshing })
            #expect(await yieldUntil { provider.status().waitingRequests == 200 })
            endpoint.release()
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(endpoint.calls == 1)
        #expect(Set(tokens) == ["fake-1"])
        #expect(tokens.count == 200)
    }

    @Test("when refreshes fail the current token is used until it expires, then callers get a clear error")
    func failingEndpoint() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        defer { provider.shutdown() }
        _ = try await provider.token()
        endpoint.answer(.failure(.status(503)))
        #expect(await yieldUntil { clock.sleepers == 1 })
        clock.advance(by: .seconds(7))                            // renewal due; it fails
        await events.waitForRefreshesEnded(2)
        #expect(try await provider.token().value == "fake-1", "still valid until 10 s")
        let status = provider.status()
        #expect(status.severity == .error && status.hasValidToken && status.consecutiveFailures == 1)
        #expect(status.lastRefresh?.failure?.httpStatus == 503)
        #expect(await yieldUntil { clock.sleepers == 1 })
        clock.advance(by: .seconds(2))                            // the retry, 2 s later, fails too
        await events.waitForRefreshesEnded(3)
        #expect(try await provider.token().value == "fake-1")
        #expect(await yieldUntil { clock.sleepers == 1 })
        clock.advance(by: .seconds(1))                            // 10 s: expired; the retry at expiry fails
        await events.waitForRefreshesEnded(4)
        #expect(provider.currentToken() == nil)
        #expect(provider.status().severity == .critical)
        let error = await #expect(throws: TokenUnavailableError.self) { try await provider.token() }
        #expect(error?.description == "credentials 'vendor': no valid access token, the token endpoint could not issue one: token endpoint: answered 503")
        endpoint.answer(.token(lifetime: .seconds(10)))
        #expect(try await provider.token().value.hasPrefix("fake-"), "recovers on the next request")
        #expect(provider.status().severity == nil)
    }

    @Test("a 401 reported by many requests with the same token causes one refresh; the old token is not reused")
    func unauthorizedRefreshesOnce() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        defer { provider.shutdown() }
        let first = try await provider.token()
        let renewed = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.token(replacing: first).value } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(renewed == ["fake-2"])
        #expect(endpoint.calls == 2)
        provider.reportUnauthorized(first)                        // late, with a replaced token
        #expect(provider.currentToken()?.value == "fake-2")
        #expect(endpoint.calls == 2)
    }

    @Test("shutdown cancels the renewal timer and fails later calls")
    func shutdown() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        _ = try await provider.token()
        #expect(await yieldUntil { clock.sleepers == 1 })
        provider.shutdown()
        #expect(await yieldUntil { clock.sleepers == 0 }, "the timer's sleep was cancelled")
        let error = await #expect(throws: TokenUnavailableError.self) { try await provider.token() }
        #expect(error?.reason == .shutDown)
        #expect(provider.status().isShutDown)
    }

    @Test("a cancelled waiter stops waiting; the refresh goes on for the others")
    func cancelledWaiter() async throws {
        let clock = ManualClock(), events = EventRecorder(), endpoint = FakeTokenEndpoint()
        let provider = try Self.make(endpoint, clock: clock, events: events)
        defer { provider.shutdown() }
        endpoint.hold()
        let cancelled = Task { try await provider.token() }
        #expect(await yieldUntil { provider.status().waitingRequests == 1 })
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(provider.status().waitingRequests == 0)
        endpoint.release()
        #expect(try await provider.token().value == "fake-1")
    }

    @Test("invalid settings are all reported with their key paths")
    func validation() {
        let error = #expect(throws: ConfigurationError.self) {
            try TokenProvider(
                TokenProviderConfiguration(name: "", renewal: TokenRenewalPolicy(renewBefore: .fraction(0), retryInterval: .zero)),
                pipeline: ResiliencePipeline([]), fetch: { TokenGrant(value: "x", lifetime: .seconds(1)) }
            )
        }
        #expect(error?.issues.map(\.keyPath) == ["credentials.name", "credentials.renewal.renewBefore", "credentials.renewal.retryInterval"])
    }
}
