import BulwarkTestSupport
import AsyncHTTPClient
import Logging
import NIOCore
import Resilience
import Testing

@testable import BulwarkCredentials

/// The library against a real local token endpoint and protected resource. The server judges expiry on
/// the same manual clock as the provider, so tokens "live for seconds" without any test waiting for them.
@Suite(.timeLimit(.minutes(1))) struct AuthorizedHTTPClientTests {
    static let secret = "client-s3cret-value"

    struct Fixture {
        let clock: ManualClock
        let server: TokenTestServer
        let events: EventRecorder
        let provider: TokenProvider
        let client: AuthorizedHTTPClient

        func stop() async {
            provider.shutdown()
            await server.stop()
        }
    }

    /// Tokens live 10 s and are renewed 3 s ahead. Fetches run through `externalAPI` without backoff waits.
    static func fixture(logger: Logger = Logger(label: "test"), secret: String = secret) async throws -> Fixture {
        let clock = ManualClock()
        let server = try await TokenTestServer.start(.init(clientID: "bulwark", clientSecret: Self.secret, expiresIn: 10)) { clock.elapsed }
        let events = EventRecorder()
        var preset = ResiliencePreset.externalAPI(name: "credentials-vendor")
        preset.retry.backoff = .none
        let provider = try TokenProvider(
            name: "vendor",
            credentials: OAuth2ClientCredentials(
                tokenURL: server.tokenURL, clientID: "bulwark", clientSecret: secret, renewBefore: .duration(.seconds(3))
            ),
            httpClient: .shared,
            renewal: TokenRenewalPolicy(retryInterval: .seconds(2)),
            preset: preset,
            clock: clock,
            logger: logger,
            onEvent: events.handler
        )
        let client = try AuthorizedHTTPClient(httpClient: .shared, tokenProvider: provider, preset: .externalAPI(name: "vendor-api"))
        return Fixture(clock: clock, server: server, events: events, provider: provider, client: client)
    }

    func get(_ fixture: Fixture) async throws -> Int {
        let response = try await fixture.client.execute(HTTPClientRequest(url: fixture.server.resourceURL), timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1024)
        return Int(response.status.code)
    }

    @Test("the token is renewed before it expires: requests never see a 401")
    func renewalBeforeExpiry() async throws {
        let fixture = try await Self.fixture()
        #expect(try await get(fixture) == 200)
        #expect(await yieldUntil { fixture.clock.sleepers == 1 })
        fixture.clock.advance(by: .seconds(7))
        await fixture.events.waitForRefreshesEnded(2)
        fixture.clock.advance(by: .seconds(3))              // tok-1 has expired on the server
        #expect(try await get(fixture) == 200)
        #expect(fixture.server.tokenRequests.count == 2)
        #expect(fixture.server.resourceRequests.map(\.status) == [200, 200])
        #expect(fixture.server.resourceRequests.last?.authorization == "Bearer tok-2")
        await fixture.stop()
    }

    @Test("200 concurrent requests at expiry cause exactly one refresh")
    func concurrentAtExpiry() async throws {
        let fixture = try await Self.fixture()
        #expect(try await get(fixture) == 200)
        #expect(await yieldUntil { fixture.clock.sleepers == 1 })
        fixture.clock.advance(by: .seconds(11))             // past renewal (7 s) and expiry (10 s) at once
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 { group.addTask { try await get(fixture) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
        #expect(fixture.server.tokenRequests.count == 2, "the first token, then one refresh")
        await fixture.stop()
    }

    @Test("a 401 refreshes the token once and the request is sent again")
    func unauthorizedThenSuccess() async throws {
        let fixture = try await Self.fixture()
        #expect(try await get(fixture) == 200)
        fixture.server.revokeAll()
        #expect(try await get(fixture) == 200)
        #expect(fixture.server.resourceRequests.map(\.status) == [200, 401, 200])
        #expect(fixture.server.tokenRequests.count == 2)
        // A body given as bytes is sent again too. (A 401 within `minimumInterval` of the last
        // 401-started refresh is not refreshed again: past it.)
        fixture.clock.advance(by: .seconds(1))
        fixture.server.revokeAll()
        var post = HTTPClientRequest(url: fixture.server.resourceURL)
        post.method = .POST
        let response = try await fixture.client.execute(post, body: ByteBuffer(string: "payload"), timeout: .seconds(5))
        #expect(response.status == .ok)
        #expect(fixture.server.resourceRequests.suffix(2).map(\.bodyBytes) == [7, 7])
        await fixture.stop()
    }

    @Test("a streamed body is not sent again: the 401 is returned, and the token is still refreshed for later requests")
    func streamedBodyGets401() async throws {
        let fixture = try await Self.fixture()
        #expect(try await get(fixture) == 200)
        fixture.server.revokeAll()
        var post = HTTPClientRequest(url: fixture.server.resourceURL)
        post.method = .POST
        let chunks = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(string: "chunk"))
            continuation.finish()
        }
        post.body = .stream(chunks, length: .unknown)
        let response = try await fixture.client.execute(post, timeout: .seconds(5))
        #expect(response.status == .unauthorized)
        #expect(fixture.server.resourceRequests.map(\.status) == [200, 401])
        await fixture.events.waitForRefreshesEnded(2)
        #expect(try await get(fixture) == 200)
        await fixture.stop()
    }

    @Test("token endpoint down: the current token is used until it expires, then a clear error")
    func endpointDown() async throws {
        let fixture = try await Self.fixture()
        #expect(try await get(fixture) == 200)
        fixture.server.update { $0.failure = .status(503, body: #"{"error":"temporarily_unavailable"}"#) }
        #expect(await yieldUntil { fixture.clock.sleepers == 1 })
        fixture.clock.advance(by: .seconds(7))              // renewal: 3 attempts, 503 each; the breaker opens
        await fixture.events.waitForRefreshesEnded(2)
        #expect(fixture.server.tokenRequests.count == 4)
        #expect(try await get(fixture) == 200, "tok-1 is still valid")
        #expect(fixture.provider.status().severity == .error)
        #expect(await yieldUntil { fixture.clock.sleepers == 1 })
        fixture.clock.advance(by: .seconds(3))              // 10 s: expired
        await fixture.events.waitForRefreshesEnded(3)
        let error = await #expect(throws: TokenUnavailableError.self) { try await get(fixture) }
        #expect(error?.description.hasPrefix("credentials 'vendor': no valid access token, the token endpoint could not issue one: ") == true)
        #expect(error?.description.contains("circuit breaker 'credentials-vendor' is open") == true)
        #expect(fixture.provider.status().severity == .critical)
        #expect(fixture.server.resourceRequests.count == 2, "no request went out without a valid token")
        await fixture.stop()
    }

    @Test("neither the client secret nor a token appears in logs, events, status or errors")
    func secretsStayOut() async throws {
        let (logger, logs) = recordingLogger()
        let wrong = "wrong-s3cret-value"
        let fixture = try await Self.fixture(logger: logger, secret: wrong)
        let error = await #expect(throws: TokenUnavailableError.self) { try await get(fixture) }
        #expect(error?.description.contains("invalid_client") == true)
        let ok = try await Self.fixture(logger: logger)
        #expect(try await get(ok) == 200)
        ok.server.revokeAll()
        #expect(try await get(ok) == 200)
        let texts = logs.entries.map { "\($0.message) \($0.metadata)" }
            + fixture.events.events.map { "\($0)" } + ok.events.events.map { "\($0)" }
            + ["\(String(describing: error))", "\(fixture.provider.status())", "\(ok.provider.status())"]
        #expect(logs.entries.count >= 4)
        for text in texts {
            #expect(!text.contains(wrong) && !text.contains(Self.secret) && !text.contains("tok-"), "\(text)")
        }
        await fixture.stop()
        await ok.stop()
    }
}
