import AsyncHTTPClient
import BulwarkAuth
import BulwarkTestSupport
import Testing

@Suite("KeySetProvider jwks_url")
struct KeySetProviderURLTests {
    @Test("a token with a new kid causes exactly one fetch, shared by concurrent callers, and then verifies")
    func newKeyID() async throws {
        let current = TestKeys.p256(kid: "k1")
        let next = TestKeys.p256(kid: "k2")
        let server = try await JWKSServer.start(document: TestKeys.jwks([current]))
        let harness = KeySetHarness(source: .url(server.url, refresh: .seconds(300)), clock: ManualClock())
        try await harness.provider.load()
        #expect(server.requests == 1)
        #expect(harness.verify(current).token != nil)

        server.serve(TestKeys.jwks([current, next]))
        #expect(harness.verify(next).unknownKeyID == "k2")
        let answers = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "k2") }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let allKnown = answers.allSatisfy { $0 }
        #expect(allKnown)
        #expect(server.requests == 2)
        #expect(harness.verify(next).token != nil)
        #expect(harness.refreshes("success", "unknown_kid") == 1)
        await server.stop()
    }

    @Test("a flood of unknown kids fetches at most once per 10 s cooldown")
    func flood() async throws {
        let key = TestKeys.p256(kid: "k1")
        let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
        let clock = ManualClock()
        let harness = KeySetHarness(source: .url(server.url, refresh: .seconds(300)), clock: clock)
        try await harness.provider.load()

        func flood(_ round: Int) async -> [Bool] {
            await withTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask { await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "forged-\(round)-\(index)") }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        let first = await flood(1)
        let noneKnown = first.allSatisfy { !$0 }
        #expect(noneKnown)
        #expect(server.requests == 2)
        _ = await flood(2)
        clock.advance(by: .seconds(9))
        _ = await flood(3)
        #expect(server.requests == 2)
        clock.advance(by: .seconds(1))
        _ = await flood(4)
        #expect(server.requests == 3)
        #expect(harness.verify(key).token != nil)
        await server.stop()
    }

    @Test("a jwks_url that goes down keeps the old keys, counts failures and turns stale after 2 × refresh")
    func down() async throws {
        let key = TestKeys.p256(kid: "k1")
        let next = TestKeys.p256(kid: "k2")
        let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
        let clock = ManualClock()
        let harness = KeySetHarness(source: .url(server.url, refresh: .seconds(60)), clock: clock)
        try await harness.provider.load()
        let loop = Task { await harness.provider.run() }
        defer { loop.cancel() }

        server.fail(status: 500)
        try await keySetTick(clock, by: .seconds(60))
        let counted = try await keySetEventually { harness.refreshes("failure", "interval") == 1 }
        #expect(counted)
        var status = try #require(harness.provider.status.first)
        #expect(status.lastError?.contains("answered HTTP 500, expected 200") == true)
        #expect(status.stale == false)
        #expect(status.lastRefresh == KeySetHarness.now)
        #expect(harness.verify(key).token != nil)

        try await keySetTick(clock, by: .seconds(61))
        let stale = try await keySetEventually { harness.staleGauge() == 1 && harness.refreshes("failure", "interval") == 2 }
        #expect(stale)
        status = try #require(harness.provider.status.first)
        #expect(status.stale)
        #expect(status.keyIDs == ["k1"])
        #expect(harness.verify(key).token != nil)

        server.serve(TestKeys.jwks([key, next]))
        try await keySetTick(clock, by: .seconds(60))
        let recovered = try await keySetEventually { harness.staleGauge() == 0 }
        #expect(recovered)
        #expect(harness.provider.status.first?.stale == false)
        #expect(harness.verify(next).token != nil)
        #expect(harness.refreshes("success", "interval") == 1)
        await server.stop()
    }

    @Test("a jwks_url down at start does not fail load(): the issuer is stale until an unknown kid or a retry loads it")
    func downAtStart() async throws {
        let key = TestKeys.p256(kid: "k1")
        let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
        server.fail(status: 503)
        let harness = KeySetHarness(source: .url(server.url, refresh: .seconds(300)), clock: ManualClock())
        try await harness.provider.load()
        let status = try #require(harness.provider.status.first)
        #expect(status.stale)
        #expect(status.keyCount == 0)
        #expect(status.lastRefresh == nil)
        #expect(status.lastError?.contains("HTTP 503") == true)
        #expect(harness.refreshes("failure", "start") == 1)
        #expect(harness.staleGauge() == 1)
        #expect(harness.verify(key).unknownKeyID == "k1")

        server.serve(TestKeys.jwks([key]))
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "k1"))
        #expect(harness.verify(key).token != nil)
        #expect(harness.provider.status.first?.stale == false)
        #expect(harness.staleGauge() == 0)
        await server.stop()
    }

    @Test("a jwks_url document larger than 1 MiB is refused and the keys it had stay")
    func largeDocument() async throws {
        let key = TestKeys.p256(kid: "k1")
        let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
        let harness = KeySetHarness(source: .url(server.url, refresh: .seconds(300)), clock: ManualClock())
        try await harness.provider.load()
        server.serve("{\"keys\":[" + key.jwkJSON + "]" + String(repeating: " ", count: 1 << 20) + "}")
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "k2") == false)
        #expect(server.requests == 2)
        #expect(harness.provider.status.first?.lastError == "jwks_url \(server.url) sent more than 1 MiB")
        #expect(harness.refreshes("failure", "unknown_kid") == 1)
        #expect(harness.verify(key).token != nil)
        await server.stop()
    }

    @Test("an unreachable jwks_url is reported as such, naming the URL without its user information")
    func unreachable() async throws {
        let server = try await JWKSServer.start(document: "{}")
        let port = server.port
        await server.stop()
        let url = "http://user:hunter2hunter2@127.0.0.1:\(port)/jwks.json"
        // A client that does not retry a refused connection (the shared one retries until the 5 s timeout).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let harness = KeySetHarness(source: .url(url, refresh: .seconds(300)), clock: ManualClock(), httpClient: client)
        try await harness.provider.load()
        try await client.shutdown()
        let status = try #require(harness.provider.status.first)
        let error = try #require(status.lastError)
        #expect(error.contains("is unreachable"))
        #expect(!error.contains("hunter2"))
        #expect(status.location == "http://***@127.0.0.1:\(port)/jwks.json")
        #expect(!harness.logs.warnings.joined().contains("hunter2"))
    }
}
