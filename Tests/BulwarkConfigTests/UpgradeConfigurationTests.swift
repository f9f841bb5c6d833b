import BulwarkConfig
import Testing

@Suite("Route upgrade settings", .timeLimit(.minutes(1)))
struct UpgradeConfigurationTests {
    static func yaml(_ route: String) -> String {
        """
        upstreams:
          app: { targets: ["http://127.0.0.1:3001"] }
        routes:
          - { path_prefix: /, upstream: app\(route) }
        """
    }

    static func issues(_ yaml: String) -> [String] {
        ConfigurationParsingTests.issues(yaml)
    }

    @Test("defaults: websocket upgrades, a one-hour idle timeout, no lifetime limit")
    func defaults() throws {
        let route = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml("")).routes.first)
        #expect(route.upgrades == ["websocket"])
        #expect(route.websocket.idleTimeout == .seconds(3600))
        #expect(route.websocket.maxLifetime == nil)
        #expect(RouteSettings(pathPrefix: "/", upstream: "app").upgrades == RouteSettings.Defaults.upgrades)
        #expect(UpgradedConnectionSettings().idleTimeout == UpgradedConnectionSettings.Defaults.idleTimeout)
    }

    @Test("upgrades and websocket limits are read (protocol names lower-cased, duplicates once)")
    func read() throws {
        let yaml = Self.yaml(", upgrades: [WebSocket, foo, websocket], websocket: { idle_timeout: 90s, max_lifetime: 12h }")
        let route = try #require(try BulwarkConfiguration.parse(yaml: yaml).routes.first)
        #expect(route.upgrades == ["websocket", "foo"])
        #expect(route.websocket.idleTimeout == .seconds(90))
        #expect(route.websocket.maxLifetime == .seconds(12 * 3600))
        let none = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(", upgrades: []")).routes.first)
        #expect(none.upgrades.isEmpty)
    }

    @Test("every bad key is reported with its path")
    func problems() {
        let found = Self.issues(Self.yaml(", upgrades: [h2c, 'a b'], websocket: { idle_timeout: 0s, max_lifetime: soon, idle: 1s }"))
        #expect(found.contains { $0.hasPrefix("routes[0].upgrades[0]: h2c is never upgraded to") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("routes[0].upgrades[1]: must be a protocol name") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("routes[0].websocket.idle_timeout: must be at least 1ms") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("routes[0].websocket.max_lifetime") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("routes[0].websocket.idle") && !$0.hasPrefix("routes[0].websocket.idle_timeout") }, "\(found)")
    }
}
