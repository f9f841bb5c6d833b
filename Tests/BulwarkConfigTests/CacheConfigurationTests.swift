import BulwarkConfig
import Testing

@Suite("Response cache settings", .timeLimit(.minutes(1)))
struct CacheConfigurationTests {
    /// A file with one upstream, `top` before it (e.g. a `cache:` section) and one route with `route`
    /// appended to its flow mapping.
    static func yaml(_ route: String = "", top: String = "") -> String {
        """
        \(top)
        upstreams:
          app: { targets: ["http://127.0.0.1:3001"], timeout: 12s }
        routes:
          - { path_prefix: /, upstream: app\(route) }
        """
    }

    static func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        ConfigurationParsingTests.issues(yaml, environment: environment)
    }

    static func expect(_ found: [String], _ keyPath: String, _ start: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.contains { $0.hasPrefix("\(keyPath): \(start)") }, "\(found)", sourceLocation: sourceLocation)
    }

    @Test("defaults: no cache section and no caching route leave caching off; the Defaults enums hold the documented values")
    func defaults() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml())
        #expect(configuration.cache == nil)
        #expect(configuration.routes.first?.cache == nil)
        #expect(CacheSettings.Defaults.memoryBytes == 64 * 1024 * 1024)
        #expect(CacheSettings.Defaults.maxEntries == 100_000)
        #expect(CacheSettings.Defaults.usesRedis == false)
        #expect(CacheSettings.Defaults.maxObjectBytes == 8 * 1024 * 1024)
        #expect(CacheSettings.Defaults.statusHeader == "X-Cache")
        #expect(CacheSettings.Defaults.tagHeader == "Cache-Tag")
        #expect(CacheSettings.Defaults.namespace == "bulwark:http")
        #expect(CacheSettings.Defaults.lockTimeout == nil)
        let cache = CacheSettings()
        #expect(cache.memoryBytes == CacheSettings.Defaults.memoryBytes)
        #expect(cache.maxEntries == CacheSettings.Defaults.maxEntries)
        #expect(cache.usesRedis == CacheSettings.Defaults.usesRedis)
        #expect(cache.usesMemory)
        #expect(cache.maxObjectBytes == CacheSettings.Defaults.maxObjectBytes)
        #expect(cache.statusHeader == CacheSettings.Defaults.statusHeader)
        #expect(cache.tagHeader == CacheSettings.Defaults.tagHeader)
        #expect(cache.namespace == CacheSettings.Defaults.namespace)
        #expect(cache.lockTimeout == nil)
        let route = RouteCacheSettings(ttl: .seconds(60))
        #expect(route.staleWhileRevalidate == .zero && RouteCacheSettings.Defaults.staleWhileRevalidate == .zero)
        #expect(route.staleIfError == .zero && RouteCacheSettings.Defaults.staleIfError == .zero)
        #expect(route.vary.isEmpty && RouteCacheSettings.Defaults.vary.isEmpty)
        #expect(route.authorized == false && RouteCacheSettings.Defaults.authorized == false)
        #expect(route.setCookie == false && RouteCacheSettings.Defaults.setCookie == false)
    }

    @Test("a caching route without a top-level cache: section gets the default section")
    func implicitSection() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(", cache: { ttl: 60s }"))
        #expect(configuration.cache == CacheSettings())
        let route = try #require(configuration.routes.first?.cache)
        #expect(route == RouteCacheSettings(ttl: .seconds(60)))
    }

    @Test("an empty cache: section, or one with no caching route, is kept with every default")
    func emptySection() throws {
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml(top: "cache:")).cache == CacheSettings())
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml(top: "cache: {}")).cache == CacheSettings())
    }

    @Test("every key of cache: is read")
    func everyKey() throws {
        let top = """
        redis: { url: "redis://127.0.0.1:6379/0" }
        cache:
          memory: 256MiB
          max_entries: 5000
          redis: true
          max_object_size: 16MiB
          status_header: X-Bulwark-Cache
          tag_header: Surrogate-Key
          namespace: "shop:http"
          lock_timeout: 3s
        """
        let cache = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(top: top)).cache)
        #expect(cache.memoryBytes == 256 * 1024 * 1024)
        #expect(cache.maxEntries == 5000)
        #expect(cache.usesRedis)
        #expect(cache.maxObjectBytes == 16 * 1024 * 1024)
        #expect(cache.statusHeader == "X-Bulwark-Cache")
        #expect(cache.tagHeader == "Surrogate-Key")
        #expect(cache.namespace == "shop:http")
        #expect(cache.lockTimeout == .seconds(3))
    }

    @Test("every key of routes[].cache is read; vary is lower-cased, each name once")
    func everyRouteKey() throws {
        let route = ", cache: { ttl: 60s, stale_while_revalidate: 30s, stale_if_error: 10m, vary: [Accept-Language, accept-language, X-Tenant], authorized: true, set_cookie: yes }"
        let cache = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(route)).routes.first?.cache)
        #expect(cache.ttl == .seconds(60))
        #expect(cache.staleWhileRevalidate == .seconds(30))
        #expect(cache.staleIfError == .seconds(600))
        #expect(cache.vary == ["accept-language", "x-tenant"])
        #expect(cache.authorized)
        #expect(cache.setCookie)
    }

    @Test("memory: 0 with redis keeps only the shared tier, and any object size up to 512MiB")
    func redisOnly() throws {
        let top = """
        redis: { url: "redis://127.0.0.1:6379/0" }
        cache: { memory: 0, redis: true, max_object_size: 100MiB }
        """
        let cache = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(top: top)).cache)
        #expect(cache.memoryBytes == 0)
        #expect(!cache.usesMemory)
        #expect(cache.maxObjectBytes == 100 * 1024 * 1024)
        let tooLarge = Self.issues(Self.yaml(top: top.replacingOccurrences(of: "100MiB", with: "1GiB")))
        Self.expect(tooLarge, "cache.max_object_size", "must be at most 512MiB")
    }

    @Test("a memory tier smaller than the default object size bounds the object size")
    func smallMemory() throws {
        let cache = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml(top: "cache: { memory: 1MiB }")).cache)
        #expect(cache.maxObjectBytes == 1024 * 1024)
    }

    @Test("cache.redis: true needs a redis: section, which BULWARK_REDIS_URL can stand for")
    func redisNeedsSection() throws {
        let found = Self.issues(Self.yaml(top: "cache: { redis: true }"))
        Self.expect(found, "cache.redis", "needs a redis: section")
        #expect(found.count == 1, "\(found)")
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(top: "cache: { redis: true }"), environment: ["BULWARK_REDIS_URL": "redis://127.0.0.1:6379/0"])
        #expect(configuration.cache?.usesRedis == true)
    }

    @Test("every bad key of cache: is reported with its path")
    func sectionProblems() {
        let top = """
        cache:
          memory: lots
          max_entries: 0
          status_header: "X Cache"
          tag_header: Content-Length
          namespace: "a b"
          lock_timeout: 0s
          size: 1MiB
        """
        let found = Self.issues(Self.yaml(top: top))
        Self.expect(found, "cache.memory", "'lots' is not a size")
        Self.expect(found, "cache.max_entries", "must be ≥ 1, got 0")
        Self.expect(found, "cache.status_header", "must be a header name")
        Self.expect(found, "cache.tag_header", "'Content-Length' is set by the gateway")
        Self.expect(found, "cache.namespace", "'a b' holds a space")
        Self.expect(found, "cache.lock_timeout", "must be at least 1ms")
        Self.expect(found, "cache.size", "unknown key")
        #expect(found.count == 7, "\(found)")
    }

    @Test("object size, header and namespace rules are reported with their paths")
    func crossKeyProblems() {
        Self.expect(Self.issues(Self.yaml(top: "cache: { memory: 4MiB, max_object_size: 8MiB }")), "cache.max_object_size", "must be at most cache.memory (4194304 bytes)")
        Self.expect(Self.issues(Self.yaml(top: "cache: { max_object_size: 128MiB }")), "cache.max_object_size", "must be at most cache.memory (67108864 bytes)")
        Self.expect(Self.issues(Self.yaml(top: "cache: { max_object_size: 0 }")), "cache.max_object_size", "must be at least 1 byte")
        Self.expect(Self.issues(Self.yaml(top: "cache: { memory: 0 }")), "cache.memory", "0 turns the memory tier off")
        Self.expect(Self.issues(Self.yaml(top: "cache: { status_header: Age }")), "cache.status_header", "'Age' is a header caching itself reads")
        Self.expect(Self.issues(Self.yaml(top: "cache: { tag_header: x-cache }")), "cache.tag_header", "'x-cache' is also cache.status_header")
        Self.expect(Self.issues(Self.yaml(top: "cache: { namespace: 'app:*' }")), "cache.namespace", "'app:*' holds a glob character")
        Self.expect(Self.issues(Self.yaml(top: "cache: { namespace: '' }")), "cache.namespace", "must not be empty")
        Self.expect(Self.issues(Self.yaml(top: "cache: { namespace: 'a|b' }")), "cache.namespace", "'a|b' holds '|'")
        Self.expect(Self.issues(Self.yaml(top: "cache: [memory]")), "cache", "expected a mapping")
    }

    @Test("every bad key of routes[].cache is reported with its path")
    func routeProblems() {
        let route = ", cache: { ttl: 0s, stale_while_revalidate: soon, stale_if_error: 5, vary: [Accept-Language, 'X Tenant', '*'], authorized: maybe, set_cookie: 2, ttl_s: 1 }"
        let found = Self.issues(Self.yaml(route))
        Self.expect(found, "routes[0].cache.ttl", "must be at least 1ms")
        Self.expect(found, "routes[0].cache.stale_while_revalidate", "'soon' is not a duration")
        Self.expect(found, "routes[0].cache.stale_if_error", "'5' has no unit")
        Self.expect(found, "routes[0].cache.vary[1]", "must be a request header name")
        Self.expect(found, "routes[0].cache.vary[2]", "'*' would make every request its own entry")
        Self.expect(found, "routes[0].cache.authorized", "expected true or false")
        Self.expect(found, "routes[0].cache.set_cookie", "expected true or false")
        Self.expect(found, "routes[0].cache.ttl_s", "unknown key (did you mean 'ttl'?)")
        #expect(found.count == 8, "\(found)")
        Self.expect(Self.issues(Self.yaml(", cache: { vary: [Accept] }")), "routes[0].cache.ttl", "missing")
        Self.expect(Self.issues(Self.yaml(", cache: 60s")), "routes[0].cache", "expected a mapping")
        Self.expect(Self.issues(Self.yaml(", cahce: { ttl: 60s }")), "routes[0].cahce", "unknown key (did you mean 'cache'?)")
    }

    @Test("a route matching neither GET nor HEAD cannot cache; streaming and upgrading routes can")
    func methods() throws {
        let found = Self.issues(Self.yaml(", methods: [post, PUT], cache: { ttl: 60s }"))
        #expect(found == ["routes[0].cache: only GET and HEAD responses are cached, and this route's methods are POST, PUT; add GET or remove cache"], "\(found)")
        for route in [", methods: [GET, POST]", ", methods: [HEAD]", ", streaming: true", ", upgrades: [websocket]"] {
            let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(route + ", cache: { ttl: 60s }"))
            #expect(configuration.routes.first?.cache?.ttl == .seconds(60), "\(route)")
        }
    }

    @Test("the lock timeout is cache.lock_timeout, else the route's timeout, else its upstream's")
    func lockTimeout() throws {
        let upstreams = try BulwarkConfiguration.parse(yaml: Self.yaml(", cache: { ttl: 1m }"))
        #expect(upstreams.cacheLockTimeout(for: upstreams.routes[0]) == .seconds(12))
        let route = try BulwarkConfiguration.parse(yaml: Self.yaml(", timeout: 4s, cache: { ttl: 1m }"))
        #expect(route.cacheLockTimeout(for: route.routes[0]) == .seconds(4))
        let section = try BulwarkConfiguration.parse(yaml: Self.yaml(", timeout: 4s, cache: { ttl: 1m }", top: "cache: { lock_timeout: 1500ms }"))
        #expect(section.cacheLockTimeout(for: section.routes[0]) == .milliseconds(1500))
    }
}
