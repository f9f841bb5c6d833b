import BulwarkAuth
import BulwarkTestSupport
import Testing

@Suite("KeySetProvider jwks_file")
struct KeySetProviderFileTests {
    @Test("a rotated jwks_file is picked up by run(): the new kid verifies and the old key is gone")
    func rotation() async throws {
        let directory = try KeySetTemporaryDirectory()
        let old = TestKeys.p256(kid: "old")
        let new = TestKeys.p256(kid: "new")
        let path = try directory.write("jwks.json", TestKeys.jwks([old]))
        let harness = KeySetHarness(source: .file(path: path))
        try await harness.provider.load()
        #expect(harness.verify(old).token != nil)
        #expect(harness.verify(new).unknownKeyID == "new")

        let loop = Task { await harness.provider.run() }
        defer { loop.cancel() }
        try directory.write("jwks.json", TestKeys.jwks([new]))
        let rotated = try await keySetEventually { harness.verify(new).token != nil }
        #expect(rotated)
        #expect(harness.verify(old).unknownKeyID == "old")
        #expect(harness.provider.status.first?.keyIDs == ["new"])
        // The verifier changes before the attempt is counted.
        let counted = try await keySetEventually { harness.refreshes("success", "file_change") >= 1 }
        #expect(counted)
        #expect(harness.refreshes("success", "start") == 1)
    }

    @Test("a jwks_file that turns invalid keeps the old keys, is logged once and counted stale until it is fixed")
    func invalidVersion() async throws {
        let directory = try KeySetTemporaryDirectory()
        let old = TestKeys.p256(kid: "old")
        let new = TestKeys.p256(kid: "new")
        let path = try directory.write("jwks.json", TestKeys.jwks([old]))
        let clock = ManualClock()
        let harness = KeySetHarness(source: .file(path: path), clock: clock)
        try await harness.provider.load()
        let loop = Task { await harness.provider.run() }
        defer { loop.cancel() }

        // Half a document, as a writer in the middle of its write leaves it. Put in place in one step:
        // written in place, a poll could also catch the empty file the truncation leaves (two versions,
        // two failures, which is right but not what this test counts).
        try directory.write("jwks.json", String(TestKeys.jwks([new]).prefix(40)), atomically: true)
        try await keySetTick(clock)
        let failed = try await keySetEventually { harness.refreshes("failure", "file_change") == 1 }
        #expect(failed)
        for _ in 0..<5 { try await keySetTick(clock) }
        let settled = try await keySetEventually { clock.sleepers > 0 }
        #expect(settled)

        let status = try #require(harness.provider.status.first)
        #expect(status.stale)
        #expect(status.keyIDs == ["old"])
        #expect(status.lastError?.contains("is not a usable JWKS") == true)
        #expect(harness.verify(old).token != nil)
        #expect(harness.refreshes("failure", "file_change") == 1)
        #expect(harness.logs.warnings.count == 1)
        #expect(harness.staleGauge() == 1)

        try directory.write("jwks.json", TestKeys.jwks([new]), atomically: false)
        try await keySetTick(clock)
        let fixed = try await keySetEventually { harness.verify(new).token != nil && harness.staleGauge() == 0 }
        #expect(fixed)
        #expect(harness.provider.status.first?.stale == false)
        #expect(harness.verify(old).unknownKeyID == "old")
    }

    @Test("an unknown kid re-reads the jwks_file at most once per cooldown")
    func unknownKeyRereads() async throws {
        let directory = try KeySetTemporaryDirectory()
        let first = TestKeys.p256(kid: "first")
        let second = TestKeys.p256(kid: "second")
        let third = TestKeys.p256(kid: "third")
        let path = try directory.write("jwks.json", TestKeys.jwks([first]))
        let clock = ManualClock()
        let harness = KeySetHarness(source: .file(path: path), clock: clock)
        try await harness.provider.load()

        try directory.write("jwks.json", TestKeys.jwks([first, second]))
        #expect(harness.verify(second).unknownKeyID == "second")
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "second"))
        #expect(harness.verify(second).token != nil)
        #expect(harness.refreshes("success", "unknown_kid") == 1)

        try directory.write("jwks.json", TestKeys.jwks([first, second, third]))
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "third") == false)
        clock.advance(by: .seconds(9))
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "third") == false)
        #expect(harness.refreshes("success", "unknown_kid") == 1)
        clock.advance(by: .seconds(1))
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "third"))
        #expect(harness.verify(third).token != nil)
        #expect(harness.refreshes("success", "unknown_kid") == 2)
    }
}
