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
        func issues(_ yaml: String) -> [String] {
            do {
                _ = try BulwarkConfiguration.parse(yaml: yaml)
                return []
            } catch {
                return error.issues.map { "\($0.keyPath): \($0.problem)" }
            }
        }
        #expect(issues(Self.yaml(", mode: lazy")) == ["rate_limits.api.mode: must be 'exact' (every request asks Redis) or 'leased' (slices of the allowance decided locally), got 'lazy'"])
        #expect(issues(Self.yaml(", algorithm: token_bucket, mode: leased")) == ["rate_limits.api.mode: leased needs algorithm gcra (the default), not token_bucket"])
    }
}
