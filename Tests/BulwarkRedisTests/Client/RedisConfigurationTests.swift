import Testing

@testable import BulwarkRedis

@Suite(.timeLimit(.minutes(1))) struct RedisConfigurationTests {
    @Test func parsesAFullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:p%40ss@cache.internal:6380/3")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 3)
        #expect(configuration.username == "alice")
        #expect(configuration.password == "p@ss")
    }

    @Test func defaultsWhatTheURLLeavesOut() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(try RedisConfiguration(url: "redis://:secret@h:1/").password == "secret")
        #expect(try RedisConfiguration(url: "redis://[::1]:7000").host == "::1")
    }

    @Test(arguments: [
        ("http://x", "does not start with redis://"),
        ("redis://h:99999", "not in 1…65535"),
        ("redis://h:6379/x", "database 'x'"),
        ("redis://:6379", "no host"),
    ])
    func rejectsBadURLsClearly(url: String, problem: String) {
        #expect { try RedisConfiguration(url: url) } throws: { "\($0)".contains(problem) }
    }

    @Test func neverShowsThePasswordInErrors() {
        #expect { try RedisConfiguration(url: "rediss://u:hunter2@h") } throws: { !"\($0)".contains("hunter2") }
    }
}
