import BulwarkAuth
import BulwarkTestSupport
import Crypto
import Testing

@Suite("KeySetProvider load and reload")
struct KeySetProviderLoadTests {
    static func issuer(_ name: String, _ source: KeySource) -> IssuerConfiguration {
        IssuerConfiguration(issuer: name, audiences: ["api"], algorithms: ["ES256"], source: source)
    }

    @Test("load() names each issuer whose jwks_file is missing or not a JWKS, and never quotes key material")
    func badFiles() async throws {
        let directory = try KeySetTemporaryDirectory()
        let good = TestKeys.p256(kid: "good")
        let privateKey = P256.Signing.PrivateKey()
        let d = TestKeys.base64URL(privateKey.rawRepresentation)
        // A private EC key for an algorithm it cannot serve, an HMAC key, and text that is not JSON.
        let unusable = try directory.write(
            "unusable.json",
            #"{"keys":[{"kty":"oct","k":"c2VjcmV0LWhtYWMta2V5LW1hdGVyaWFs"},{"kty":"EC","crv":"P-384","x":"AAAA","y":"BBBB","d":"\#(d)"}]}"#)
        let garbage = try directory.write("garbage.json", "{\"keys\": [\(d)")
        let harness = KeySetHarness([
            Self.issuer("https://good", .file(path: try directory.write("good.json", TestKeys.jwks([good])))),
            Self.issuer("https://missing", .file(path: directory.path + "/missing.json")),
            Self.issuer("https://unusable", .file(path: unusable)),
            Self.issuer("https://garbage", .file(path: garbage)),
        ])
        let error = try #require(await #expect(throws: KeySetLoadError.self) { try await harness.provider.load() })
        #expect(error.problems.map(\.issuer) == ["https://missing", "https://unusable", "https://garbage"])
        #expect(error.problems[0].message == "jwks_file \(directory.path)/missing.json does not exist")
        #expect(error.problems[1].message.contains("is not a usable JWKS"))
        #expect(error.problems[2].message.contains("is not a usable JWKS"))
        let text = "\(error)"
        #expect(text.contains("auth.jwt issuer \"https://missing\""))
        #expect(!text.contains(d))
        #expect(!text.contains("c2VjcmV0LWhtYWMta2V5LW1hdGVyaWFs"))
        #expect(!harness.logs.warnings.joined().contains(d))
        #expect(harness.provider.verifier.issuers.isEmpty, "nothing is installed when any issuer fails")
        #expect(harness.provider.status.isEmpty)
    }

    @Test("a jwks_file larger than 1 MiB is refused")
    func largeFile() async throws {
        let directory = try KeySetTemporaryDirectory()
        let key = TestKeys.p256(kid: "k1")
        let padded = "{\"keys\":[" + key.jwkJSON + "]" + String(repeating: " ", count: 1 << 20) + "}"
        let path = try directory.write("jwks.json", padded)
        let harness = KeySetHarness(source: .file(path: path))
        let error = try #require(await #expect(throws: KeySetLoadError.self) { try await harness.provider.load() })
        #expect(error.problems.map(\.message) == ["jwks_file \(path) is larger than 1 MiB"])
    }

    @Test("load() refuses a jwks_url that is not http(s) and an issuer named twice")
    func badConfiguration() async throws {
        let harness = KeySetHarness([
            Self.issuer("https://a", .url("ftp://idp/jwks.json", refresh: .seconds(60))),
            Self.issuer("https://a", .secret("s3cr3t-value-that-is-32-bytes-long!")),
        ])
        let error = try #require(await #expect(throws: KeySetLoadError.self) { try await harness.provider.load() })
        #expect(error.problems.map(\.message) == ["jwks_url ftp://idp/jwks.json must start with http:// or https://", "is configured more than once"])
    }

    @Test("reload() switches to the new issuers, or throws and keeps the old ones")
    func reload() async throws {
        let directory = try KeySetTemporaryDirectory()
        let old = TestKeys.p256(kid: "old")
        let new = TestKeys.p256(kid: "new")
        let oldPath = try directory.write("old.json", TestKeys.jwks([old]))
        let newPath = try directory.write("new.json", TestKeys.jwks([new]))
        let harness = KeySetHarness([Self.issuer(KeySetHarness.issuer, .file(path: oldPath))])
        try await harness.provider.load()

        await #expect(throws: KeySetLoadError.self) {
            try await harness.provider.reload([Self.issuer(KeySetHarness.issuer, .file(path: directory.path + "/gone.json"))], leeway: .seconds(30))
        }
        #expect(harness.verify(old).token != nil)
        #expect(harness.provider.status.map(\.location) == [oldPath])
        #expect(harness.refreshes("failure", "reload") == 1)

        try await harness.provider.reload(
            [Self.issuer(KeySetHarness.issuer, .file(path: newPath)), Self.issuer("https://second", .file(path: oldPath))], leeway: .seconds(30))
        #expect(harness.verify(new).token != nil)
        #expect(harness.verify(old).unknownKeyID == "old")
        #expect(harness.verify(old, issuer: "https://second").token != nil)
        #expect(harness.provider.status.map(\.issuer) == [KeySetHarness.issuer, "https://second"])
        #expect(harness.refreshes("success", "reload") == 1)
        #expect(harness.refreshes("success", "reload", issuer: "https://second") == 1)

        try await harness.provider.reload([Self.issuer("https://second", .file(path: oldPath))], leeway: .seconds(30))
        #expect(harness.verify(new).refusal == .wrongIssuer)
        #expect(harness.staleGauge() == 0)
    }

    @Test("a reload while a jwks_url is down keeps that issuer's keys")
    func reloadWhileDown() async throws {
        let key = TestKeys.p256(kid: "k1")
        let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
        let source = KeySource.url(server.url, refresh: .seconds(300))
        let harness = KeySetHarness(source: source, clock: ManualClock())
        try await harness.provider.load()
        server.fail(status: 500)
        try await harness.provider.reload([Self.issuer(KeySetHarness.issuer, source)], leeway: .seconds(30))
        #expect(harness.verify(key).token != nil)
        #expect(harness.refreshes("failure", "reload") == 1)
        #expect(harness.provider.status.first?.lastError?.contains("HTTP 500") == true)
        await server.stop()
    }
}
