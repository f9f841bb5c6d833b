import BulwarkConfig
import Resilience
import Testing

@Suite("Route names", .timeLimit(.minutes(1)))
struct RouteNameTests {
    /// A configuration with one upstream and `routes` as the routes section's items.
    static func yaml(_ routes: String) -> String {
        """
        upstreams:
          app: { targets: ["http://127.0.0.1:3001"] }
        routes:
        \(routes)
        """
    }

    /// The problems found in `yaml`, as (key path, problem); empty when it is valid.
    static func issues(_ yaml: String) -> [(path: String, problem: String)] {
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml)
            return []
        } catch {
            return error.issues.map { ($0.keyPath, $0.problem) }
        }
    }

    @Test("a name is read; without one a route's label is its path prefix")
    func parsedAndDefault() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml("""
          - { name: api-read, path_prefix: /api, methods: [GET], upstream: app }
          - { name: "api-write", path_prefix: /api, methods: [POST], upstream: app }
          - { path_prefix: /, upstream: app }
        """))
        #expect(configuration.routes.map(\.name) == ["api-read", "api-write", nil])
        #expect(configuration.routes.map(\.label) == ["api-read", "api-write", "/"])
        #expect(configuration.routes.map(\.pathPrefix) == ["/api", "/api", "/"])
    }

    @Test("the catch-all route added for a single upstream has no name and is labelled /")
    func implicitRoute() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: "upstreams:\n  app: { targets: [\"http://127.0.0.1:3001\"] }\n")
        #expect(configuration.routes.map(\.name) == [nil])
        #expect(configuration.routes.map(\.label) == ["/"])
    }

    @Test("unnamed routes that share a prefix still share their label (as before names existed)")
    func unnamedSharePrefix() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml("""
          - { path_prefix: /api, methods: [GET], upstream: app }
          - { path_prefix: /api, methods: [POST], upstream: app }
        """))
        #expect(configuration.routes.map(\.label) == ["/api", "/api"])
    }

    @Test("names that are safe as label values and log fields are accepted", arguments: [
        "a", "api-read", "API_v2.read", "/api/v1", "svc:orders@eu", "x!#$%&()*+,;<=>?[]^{|}~", String(repeating: "n", count: 128),
    ])
    func acceptedNames(name: String) throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml("""
          - name: '\(name)'
            path_prefix: /
            upstream: app
        """))
        #expect(configuration.routes.first?.name == name)
        #expect(RouteSettings.nameProblem(name) == nil)
    }

    @Test("invalid names are reported at routes[N].name, saying why", arguments: [
        ("'my api'", "holds a space"),
        ("'say\"hi'", "holds a quote (\")"),
        ("\"it's\"", "holds a quote (')"),
        ("'back`tick'", "holds a quote (`)"),
        ("'a\\b'", "holds a backslash"),
        ("\"tab\\there\"", "holds a control character (U+0009)"),
        ("\"caf\u{E9}\"", "holds a non-ASCII character (U+00E9)"),
        ("''", "must not be empty"),
        ("'\(String(repeating: "n", count: 129))'", "is 129 characters long"),
    ])
    func rejectedNames(quoted: String, reason: String) {
        let found = Self.issues(Self.yaml("""
          - { path_prefix: /, upstream: app }
          - name: \(quoted)
            path_prefix: /x
            upstream: app
        """))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.path == "routes[1].name")
        #expect(found.first?.problem.contains(reason) == true, "\(found)")
        #expect(found.first?.problem.contains("1–128 printable ASCII characters without spaces, quotes or backslashes") == true)
    }

    @Test("an invalid name is quoted in the problem unless it holds control characters")
    func invalidNameQuoted() {
        #expect(Self.issues(Self.yaml("  - { name: 'my api', upstream: app }")).map(\.problem).first?.hasPrefix("'my api' holds a space") == true)
        #expect(Self.issues(Self.yaml("  - { name: \"a\\tb\", upstream: app }")).map(\.problem).first?.hasPrefix("holds a control") == true)
    }

    @Test("'none', the label of unmatched requests, is reserved")
    func reservedName() {
        let found = Self.issues(Self.yaml("  - { name: none, path_prefix: /, upstream: app }"))
        #expect(found.map(\.path) == ["routes[0].name"])
        #expect(found.first?.problem == "'none' is reserved: it labels requests that matched no route")
    }

    @Test("a duplicate name is reported at the later route, naming the earlier one")
    func duplicateName() {
        let found = Self.issues(Self.yaml("""
          - { name: api, path_prefix: /api, methods: [GET], upstream: app }
          - { name: other, path_prefix: /other, upstream: app }
          - { name: api, path_prefix: /api, methods: [POST], upstream: app }
          - { name: api, path_prefix: /v2, upstream: app }
        """))
        #expect(found.map(\.path) == ["routes[2].name", "routes[3].name"])
        #expect(found.map(\.problem) == [
            "'api' is already the name of routes[0]; route names must be unique",
            "'api' is already the name of routes[0]; route names must be unique",
        ])
    }

    @Test("a name that is an unnamed route's prefix collides with its label, before or after it")
    func nameCollidesWithPrefix() {
        let earlier = Self.issues(Self.yaml("""
          - { path_prefix: /api, upstream: app }
          - { name: /api, path_prefix: /v2, upstream: app }
        """))
        #expect(earlier.map(\.path) == ["routes[1].name"])
        #expect(earlier.first?.problem == "'/api' is already the path prefix, and so the label, of routes[0]; route names must be unique")

        let later = Self.issues(Self.yaml("""
          - { name: /api, path_prefix: /api, methods: [GET], upstream: app }
          - { path_prefix: /api, upstream: app }
        """))
        #expect(later.map(\.path) == ["routes[0].name"])
        #expect(later.first?.problem.hasPrefix("'/api' is also the path prefix, and so the label, of routes[1], which has no name") == true)

        // A route may be named after its own prefix when no other route is labelled so.
        #expect(Self.issues(Self.yaml("  - { name: /api, path_prefix: /api, upstream: app }")).isEmpty)
    }

    @Test("indexes in duplicate reports count routes that failed to load")
    func indexesSurviveBrokenRoutes() {
        let found = Self.issues(Self.yaml("""
          - { name: api, path_prefix: /api, upstream: app }
          - { name: broken, path_prefix: /b }
          - { name: api, path_prefix: /v2, upstream: app }
        """))
        #expect(found.map(\.path) == ["routes[1].upstream", "routes[2].name"])
        #expect(found.last?.problem.hasPrefix("'api' is already the name of routes[0]") == true)
    }

    @Test("unknown keys next to name are still reported, with a suggestion")
    func typoedKey() {
        let found = Self.issues(Self.yaml("  - { nmae: api, path_prefix: /, upstream: app }"))
        #expect(found.map(\.path) == ["routes[0].nmae"])
        #expect(found.first?.problem == "unknown key (did you mean 'name'?)")
    }
}
