import BulwarkConfig
import Testing

@Suite("Route streaming settings", .timeLimit(.minutes(1)))
struct StreamingConfigurationTests {
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

    @Test("defaults: no streaming beyond text/event-stream, a 5 minute stream idle timeout")
    func defaults() throws {
        let route = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml("")).routes.first)
        #expect(route.streaming == false)
        #expect(route.streamIdleTimeout == .seconds(300))
        #expect(RouteSettings.Defaults.streaming == false)
        #expect(RouteSettings.Defaults.streamIdleTimeout == .seconds(300))
        #expect(RouteSettings(pathPrefix: "/", upstream: "app").streamIdleTimeout == RouteSettings.Defaults.streamIdleTimeout)
    }

    @Test("streaming and stream_idle_timeout are read")
    func read() throws {
        let route = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(", streaming: true, stream_idle_timeout: 300ms, timeout: 500ms")).routes.first)
        #expect(route.streaming)
        #expect(route.streamIdleTimeout == .milliseconds(300))
        #expect(route.timeout == .milliseconds(500))
    }

    @Test("bad values are all reported with their key paths")
    func problems() {
        let found = Self.issues(Self.yaml(", streaming: sometimes, stream_idle_timeout: 0s"))
        #expect(found.contains("routes[0].streaming: expected true or false, got 'sometimes'"), "\(found)")
        #expect(found.contains { $0.hasPrefix("routes[0].stream_idle_timeout: must be at least 1ms") }, "\(found)")
        #expect(found.count == 2, "\(found)")
        let unparsable = Self.issues(Self.yaml(", stream_idle_timeout: soon"))
        #expect(unparsable.count == 1 && unparsable[0].hasPrefix("routes[0].stream_idle_timeout: "), "\(unparsable)")
    }
}
