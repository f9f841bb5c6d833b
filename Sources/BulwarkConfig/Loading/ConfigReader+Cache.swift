import Yams

/// `cache:` and `routes[].cache` (their defaults are in ``CacheSettings/Defaults`` and
/// ``RouteCacheSettings/Defaults``).
extension ConfigReader {
    static let cacheKeys = ["memory", "max_entries", "redis", "max_object_size", "status_header", "tag_header", "namespace", "lock_timeout"]
    static let routeCacheKeys = ["ttl", "stale_while_revalidate", "stale_if_error", "vary", "authorized", "set_cookie"]

    /// Headers the cache itself reads, keeps or sets on a stored response; neither `status_header` nor
    /// `tag_header` may be one of them.
    private static let cacheControlledHeaders: Set<String> = [
        "cache-control", "age", "expires", "etag", "last-modified", "vary", "date", "set-cookie", "content-type", "content-encoding",
    ]

    /// `cache:`, or nil when absent. An empty `cache:` takes every default. `redisDeclared` says whether
    /// the file has a `redis:` section (or `BULWARK_REDIS_URL` gives one), which `cache.redis: true` needs.
    mutating func readCache(_ node: Node?, redisDeclared: Bool) -> CacheSettings? {
        guard let node else { return nil }
        var cache = CacheSettings()
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return cache }
        guard let entries = mapping(node, at: "cache", allowed: Self.cacheKeys) else { return cache }
        var memoryKnown = entries["memory"] == nil
        if let value = value(entries["memory"], at: "cache.memory", ByteSizeSyntax.parse) {
            cache.memoryBytes = value
            memoryKnown = true
        }
        if let value = int(entries["max_entries"], at: "cache.max_entries", in: 1...Int.max) { cache.maxEntries = value }
        let redis = bool(entries["redis"], at: "cache.redis")
        if redis == true, !redisDeclared {
            report("cache.redis", "needs a redis: section (the shared tier is redis.url); add redis: { url: redis://host:6379/0 }, or set cache.redis: false to cache in memory only")
        } else if let redis {
            cache.usesRedis = redis
        }
        if memoryKnown, cache.memoryBytes == 0, redis != true {
            report("cache.memory", "0 turns the memory tier off, and cache.redis is not true, so no tier is left; give a budget such as 64MiB, or set cache.redis: true")
        }
        if let value = value(entries["max_object_size"], at: "cache.max_object_size", ByteSizeSyntax.parse) {
            if value < 1 {
                report("cache.max_object_size", "must be at least 1 byte, got 0")
            } else if memoryKnown, cache.usesMemory, value > cache.memoryBytes {
                report("cache.max_object_size", "must be at most cache.memory (\(cache.memoryBytes) bytes) while the memory tier is on, got \(value) bytes")
            } else if redis == true, value > CacheSettings.Defaults.maximumRedisObjectBytes {
                report("cache.max_object_size", "must be at most 512MiB, the largest value Redis stores, got \(value) bytes")
            } else {
                cache.maxObjectBytes = value
            }
        } else if entries["max_object_size"] == nil, memoryKnown, cache.usesMemory, cache.maxObjectBytes > cache.memoryBytes {
            // The default object size does not fit a small memory tier: the tier's budget is the limit.
            cache.maxObjectBytes = cache.memoryBytes
        }
        if let name = cacheHeaderName(entries["status_header"], at: "cache.status_header") { cache.statusHeader = name }
        if let name = cacheHeaderName(entries["tag_header"], at: "cache.tag_header") {
            if name.lowercased() == cache.statusHeader.lowercased() {
                report("cache.tag_header", "'\(name)' is also cache.status_header; the two headers must differ")
            } else {
                cache.tagHeader = name
            }
        }
        if let text = string(entries["namespace"], at: "cache.namespace") {
            if let problem = Self.cacheNamespaceProblem(text) {
                report("cache.namespace", problem, about: text)
            } else {
                cache.namespace = text
            }
        }
        cache.lockTimeout = duration(entries["lock_timeout"], at: "cache.lock_timeout", minimum: CacheSettings.Defaults.minimumLockTimeout)
        return cache
    }

    /// A header name the cache sets or reads: an HTTP token that is neither framing nor one of the
    /// headers caching itself depends on.
    private mutating func cacheHeaderName(_ node: Node?, at path: String) -> String? {
        guard let name = string(node, at: path) else { return nil }
        if let problem = Self.headerNameProblem(name) {
            report(path, problem)
            return nil
        }
        if Self.cacheControlledHeaders.contains(name.lowercased()) {
            report(path, "'\(name)' is a header caching itself reads or keeps; choose another name such as X-Cache or Cache-Tag")
            return nil
        }
        return name
    }

    /// Why `name` cannot be `cache.namespace`, or nil when it can: it is the literal start of every Redis
    /// key and of the `SCAN` patterns purges use.
    static func cacheNamespaceProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty; the default is \(CacheSettings.Defaults.namespace)" }
        if name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "'\(name)' holds a space or control character; use e.g. \(CacheSettings.Defaults.namespace)"
        }
        if name.contains(where: { "*?[]\\".contains($0) }) {
            return "'\(name)' holds a glob character (* ? [ ] \\), which Redis SCAN patterns would misread; use e.g. \(CacheSettings.Defaults.namespace)"
        }
        if name.contains("|") {
            return "'\(name)' holds '|', which ends a namespace in Redis keys; use e.g. \(CacheSettings.Defaults.namespace)"
        }
        return nil
    }

    /// `routes[N].cache`. `methods` are the route's (upper-cased; nil for every method): a route that
    /// matches neither GET nor HEAD cannot cache. Every key is checked even then.
    mutating func readRouteCache(_ node: Node, at path: String, methods: Set<String>?) -> RouteCacheSettings? {
        guard let entries = mapping(node, at: path, allowed: Self.routeCacheKeys) else { return nil }
        var cacheable = true
        if let methods, !methods.contains("GET"), !methods.contains("HEAD") {
            report(path, "only GET and HEAD responses are cached, and this route's methods are \(methods.sorted().joined(separator: ", ")); add GET or remove cache")
            cacheable = false
        }
        if entries["ttl"] == nil { report("\(path).ttl", "missing: how long a stored response stays fresh, e.g. 60s") }
        let ttl = duration(entries["ttl"], at: "\(path).ttl", minimum: RouteCacheSettings.Defaults.minimumTTL)
        var settings = RouteCacheSettings(ttl: ttl ?? RouteCacheSettings.Defaults.minimumTTL)
        if let value = duration(entries["stale_while_revalidate"], at: "\(path).stale_while_revalidate") { settings.staleWhileRevalidate = value }
        if let value = duration(entries["stale_if_error"], at: "\(path).stale_if_error") { settings.staleIfError = value }
        if let names = stringList(entries["vary"], at: "\(path).vary") {
            for (index, name) in names.enumerated() {
                let header = name.trimmingWhitespace().lowercased()
                if header == "*" {
                    report("\(path).vary[\(index)]", "'*' would make every request its own entry; leave cache out of this route instead")
                } else if header.isEmpty || !header.utf8.allSatisfy(Self.isTokenByte) {
                    report("\(path).vary[\(index)]", "must be a request header name such as Accept-Language, got '\(Self.shown(name, at: "\(path).vary[\(index)]"))'")
                } else if !settings.vary.contains(header) {
                    settings.vary.append(header)
                }
            }
        }
        if let value = bool(entries["authorized"], at: "\(path).authorized") { settings.authorized = value }
        if let value = bool(entries["set_cookie"], at: "\(path).set_cookie") { settings.setCookie = value }
        guard cacheable, ttl != nil else { return nil }
        return settings
    }

    /// Whether `byte` may appear in an HTTP token (RFC 9110 §5.6.2), such as a header name.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Gives `configuration` the default `cache:` section when a route caches and the file has none.
    func completeCache(_ configuration: inout BulwarkConfiguration) {
        if configuration.cache == nil, configuration.routes.contains(where: { $0.cache != nil }) {
            configuration.cache = CacheSettings()
        }
    }
}
