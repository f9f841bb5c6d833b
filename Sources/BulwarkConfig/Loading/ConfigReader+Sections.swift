import Resilience
import Yams

/// Top-level keys and the sections they hold.
extension ConfigReader {
    static let topLevelKeys = ["server", "admin", "redis", "upstreams", "rate_limits", "routes", "alerts", "backup"]

    mutating func readConfiguration(_ root: Node) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        let entries = mapping(root, at: "", allowed: Self.topLevelKeys) ?? [:]
        configuration.server = readServer(entries["server"])
        configuration.admin = readAdmin(entries["admin"])
        configuration.redis = readRedis(entries["redis"])
        configuration.alerts = readAlerts(entries["alerts"])
        configuration.backup = readBackup(entries["backup"])
        if let node = entries["upstreams"] {
            configuration.upstreams = namedEntries(node, at: "upstreams").map { readUpstream(name: $0.0, $0.1) }
        }
        if let node = entries["rate_limits"] {
            for (name, value) in namedEntries(node, at: "rate_limits") {
                if let rateLimit = readRateLimit(name: name, value) { configuration.rateLimits[name] = rateLimit }
            }
        }
        if let node = entries["routes"], let items = sequence(node, at: "routes") {
            configuration.routes = items.enumerated().compactMap { readRoute($1, at: "routes[\($0)]", in: configuration) }
        } else if configuration.upstreams.count == 1 {
            configuration.routes = [RouteSettings(pathPrefix: "/", upstream: configuration.upstreams[0].name)]
        }
        return configuration
    }

    mutating func readServer(_ node: Node?) -> ServerSettings {
        var server = ServerSettings()
        let keys = ["listen", "trusted_proxies", "drain_timeout", "idle_timeout", "max_header_size", "max_body_size", "rate_limit_headers", "access_log", "threads"]
        let entries = node.flatMap { mapping($0, at: "server", allowed: keys) } ?? [:]
        if let listen = value(entries["listen"], at: "server.listen", ListenAddress.parse) { server.listen = listen }
        if let ranges = stringList(entries["trusted_proxies"], at: "server.trusted_proxies") {
            server.trustedProxies = ranges.enumerated().compactMap { index, text in
                switch AddressRange.parse(text) {
                case .success(let range): return range
                case .failure(let problem):
                    report("server.trusted_proxies[\(index)]", problem.description + source(of: "server.trusted_proxies"))
                    return nil
                }
            }
        }
        if let value = duration(entries["drain_timeout"], at: "server.drain_timeout") { server.drainTimeout = value }
        if let value = duration(entries["idle_timeout"], at: "server.idle_timeout", minimum: .milliseconds(1)) { server.idleTimeout = value }
        if let value = value(entries["max_header_size"], at: "server.max_header_size", ByteSizeSyntax.parse) {
            if value < 1024 { report("server.max_header_size", "must be at least 1KiB, got \(value) bytes") } else { server.maxHeaderBytes = value }
        }
        if let value = value(entries["max_body_size"], at: "server.max_body_size", ByteSizeSyntax.parse) { server.maxBodyBytes = value }
        if let text = string(entries["rate_limit_headers"], at: "server.rate_limit_headers") {
            if let style = RateLimitHeaders.Style(rawValue: text) { server.rateLimitHeaders = style } else {
                report("server.rate_limit_headers", "must be 'ietf' (RateLimit/RateLimit-Policy) or 'legacy' (RateLimit-Limit/-Remaining/-Reset), got '\(text)'")
            }
        }
        if let value = int(entries["threads"], at: "server.threads", in: 0...256) { server.threads = value }
        if let text = string(entries["access_log"], at: "server.access_log") {
            switch text {
            case "stdout", "": server.accessLog = .stdout
            case "off", "false", "none": server.accessLog = .off
            default: server.accessLog = .file(text)
            }
        }
        return server
    }

    mutating func readAdmin(_ node: Node?) -> AdminSettings {
        var admin = AdminSettings()
        let entries = node.flatMap { mapping($0, at: "admin", allowed: ["listen", "token_env", "enabled", "sample_interval"]) } ?? [:]
        if let listen = value(entries["listen"], at: "admin.listen", ListenAddress.parse) { admin.listen = listen }
        if let name = string(entries["token_env"], at: "admin.token_env") {
            if name.isEmpty { report("admin.token_env", "must name an environment variable") } else { admin.tokenEnvironmentVariable = name }
        }
        if let enabled = bool(entries["enabled"], at: "admin.enabled") { admin.enabled = enabled }
        if let value = duration(entries["sample_interval"], at: "admin.sample_interval", minimum: .milliseconds(10)) { admin.sampleInterval = value }
        return admin
    }

    mutating func readRedis(_ node: Node?) -> RedisSettings? {
        guard node != nil || overrides["redis.url"] != nil else { return nil }
        let entries = node.flatMap { mapping($0, at: "redis", allowed: ["url"]) } ?? [:]
        guard let url = string(entries["url"], at: "redis.url") else {
            report("redis.url", "missing: give redis://host:port/db, or remove the redis section to keep limits in memory")
            return nil
        }
        guard url.hasPrefix("redis://") else {
            report("redis.url", "'\(url)' is not a redis:// URL\(source(of: "redis.url"))")
            return nil
        }
        return RedisSettings(url: url)
    }

    mutating func readRateLimit(name: String, _ node: Node) -> RateLimitClass? {
        let path = "rate_limits.\(name)"
        guard let entries = mapping(node, at: path, allowed: ["requests", "per", "burst", "algorithm", "key"]) else { return nil }
        let requests = entries["requests"] == nil ? nil : int(entries["requests"], at: "\(path).requests", in: 1...Int.max)
        let window = entries["per"] == nil ? nil : duration(entries["per"], at: "\(path).per", minimum: .milliseconds(1))
        if entries["requests"] == nil { report("\(path).requests", "missing: how many requests per window") }
        if entries["per"] == nil { report("\(path).per", "missing: the window, e.g. 1m or 15m") }
        let burst = int(entries["burst"], at: "\(path).burst", in: 1...Int.max)
        var algorithm = RateLimitAlgorithm.gcra
        if let text = string(entries["algorithm"], at: "\(path).algorithm") {
            if let parsed = RateLimitAlgorithm(rawValue: text) { algorithm = parsed } else {
                report("\(path).algorithm", "must be 'gcra' or 'token_bucket', got '\(text)'")
            }
        }
        var key = RateLimitKey.clientIP
        if let text = string(entries["key"], at: "\(path).key") {
            if text == "ip" {
                key = .clientIP
            } else if text.hasPrefix("header:"), text.count > "header:".count {
                key = .header(String(text.dropFirst("header:".count)))
            } else {
                report("\(path).key", "must be 'ip' or 'header:NAME' (e.g. header:X-API-Key), got '\(text)'")
            }
        }
        guard let requests, let window else { return nil }
        return RateLimitClass(policy: RateLimitPolicy(name: name, limit: requests, per: window, burst: burst, algorithm: algorithm), key: key)
    }

    mutating func readRoute(_ node: Node, at path: String, in configuration: BulwarkConfiguration) -> RouteSettings? {
        guard let entries = mapping(node, at: path, allowed: ["path_prefix", "methods", "upstream", "rate_limits", "timeout"]) else { return nil }
        let prefix = string(entries["path_prefix"], at: "\(path).path_prefix") ?? "/"
        if !prefix.hasPrefix("/") { report("\(path).path_prefix", "must start with '/', got '\(prefix)'") }
        guard let upstream = string(entries["upstream"], at: "\(path).upstream") else {
            report("\(path).upstream", "missing: name the upstream that serves this route")
            return nil
        }
        if configuration.upstream(named: upstream) == nil {
            let names = configuration.upstreams.map(\.name)
            let hint = Self.closest(to: upstream, among: names).map { " (did you mean '\($0)'?)" }
                ?? (names.isEmpty ? " (no upstreams are defined)" : " (defined: \(names.joined(separator: ", ")))")
            report("\(path).upstream", "no upstream named '\(upstream)'\(hint)")
        }
        var route = RouteSettings(pathPrefix: prefix, upstream: upstream)
        if let methods = stringList(entries["methods"], at: "\(path).methods") {
            route.methods = Set(methods.map { $0.uppercased() })
        }
        if let classes = stringList(entries["rate_limits"], at: "\(path).rate_limits") {
            for (index, name) in classes.enumerated() where configuration.rateLimitClass(named: name) == nil {
                report("\(path).rate_limits[\(index)]", "no rate limit named '\(name)' (declare it under rate_limits, or use a preset: global, auth, write, upload, report)")
            }
            route.rateLimits = classes
        }
        route.timeout = duration(entries["timeout"], at: "\(path).timeout", minimum: .milliseconds(1))
        return route
    }
}
