import BulwarkConfig
import Resilience
import Testing

@Suite("rate_limits.NAME.mode")
struct RateLimitModeConfigTests {
    static func yaml(_ entry: String) -> String {
        "upstreams:\n  app: { targets: [\"http://127.0.0.1:3001\"] }\nrate_limits:\n  api: { requests: 100, per: 1m\(entry) }\n"
    }

    @Test("default exact; leased is read")
    func read() throws {
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml("")).rateLimits["api"]?.policy.sharing == .exact)
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml(", mode: leased")).rateLimits["api"]?.policy.sharing == .leased)
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml(", mode: exact")).rateLimits["api"]?.policy.sharing == .exact)
    }

    @Test("an unknown mode, and leased with the token bucket, are refused with the key path")
    func refused() {
        #expect(ConfigurationParsingTests.issues(Self.yaml(", mode: lazy")) == ["rate_limits.api.mode: must be 'exact' (every request asks Redis) or 'leased' (slices of the allowance decided locally), got 'lazy'"])
        #expect(ConfigurationParsingTests.issues(Self.yaml(", algorithm: token_bucket, mode: leased")) == ["rate_limits.api.mode: leased needs algorithm gcra (the default), not token_bucket"])
    }
}
