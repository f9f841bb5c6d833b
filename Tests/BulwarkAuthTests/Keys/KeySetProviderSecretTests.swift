import BulwarkAuth
import BulwarkTestSupport
import Testing

@Suite("KeySetProvider secret")
struct KeySetProviderSecretTests {
    static let secret = "s3cr3t-value-that-is-32-bytes-long!"

    @Test("an HS256 secret verifies its tokens, never refreshes, and is never shown")
    func hmac() async throws {
        let key = TestKeys.secret(Self.secret)
        let source = KeySource.secret(Self.secret)
        let harness = KeySetHarness(source: source, algorithms: ["HS256"], clock: ManualClock())
        try await harness.provider.load()
        #expect(harness.verify(key).token != nil)
        #expect(harness.verify(TestKeys.secret("another-secret-that-is-32-bytes-long")).refusal == .badSignature)
        #expect(await harness.provider.refreshForUnknownKey(issuer: KeySetHarness.issuer, keyID: "any") == false)
        #expect(harness.refreshes("success", "start") == 1)

        let status = try #require(harness.provider.status.first)
        #expect(status.source == .secret)
        #expect(status.location == nil)
        #expect(status.keyCount == 1)
        #expect(status.stale == false)
        var dumped = ""
        dump(source, to: &dumped)
        let shown = [
            "\(source)", String(reflecting: source), dumped, "\(status)",
            "\(IssuerConfiguration(issuer: "i", audiences: [], algorithms: ["HS256"], source: source))",
        ]
        for text in shown {
            #expect(!text.contains(Self.secret), "the secret shows when printed")
        }
        #expect("\(source)" == "secret (hidden)")
    }

    @Test("a secret too short for its algorithm fails load() naming the issuer, not the secret")
    func tooShort() async throws {
        let short = "tiny-secret-xyz"
        let harness = KeySetHarness(source: .secret(short), algorithms: ["HS256"])
        let error = await #expect(throws: KeySetLoadError.self) { try await harness.provider.load() }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(KeySetHarness.issuer))
        #expect(text.contains("secret"))
        #expect(!text.contains(short))
        #expect(harness.refreshes("failure", "start") == 1)
    }
}
