import Resilience
import Yams

/// Top-level keys and the sections they hold.
extension ConfigReader {
    static let topLevelKeys = ["server", "admin", "redis", "upstreams", "rate_limits", "routes", "alerts", "backup", "health", "processes", "cache", "auth", "audit", "postgres"]

    mutating func readConfiguration(_ root: Node) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        let entries = mapping(root, at: "", allowed: Self.topLevelKeys) ?? [:]
        configuration.server = readServer(entries["server"])
        configuration.admin = readAdmin(entries["admin"])
        configuration.redis = readRedis(entries["redis"])
        let redisDeclared = entries["redis"] != nil || overrides["redis.url"] != nil
        configuration.cache = readCache(entries["cache"], redisDeclared: redisDeclared)
        configuration.auth = readAuth(entries["auth"], redisDeclared: redisDeclared)
        configuration.alerts = readAlerts(entries["alerts"])
        configuration.backup = readBackup(entries["backup"])
        configuration.health = readHealth(entries["health"])
        let processes = entries["processes"].map { namedEntries($0, at: "processes") } ?? []
        let processNames = Set(processes.map(\.0))
        if let node = entries["upstreams"] {
            configuration.upstreams = namedEntries(node, at: "upstreams").map { readUpstream(name: $0.0, $0.1, targetsFromProcesses: processNames.contains($0.0)) }
        }
        readProcesses(processes, into: &configuration)
        if let node = entries["rate_limits"] {
            for (name, value) in namedEntries(node, at: "rate_limits") {
                if let rateLimit = readRateLimit(name: name, value) { configuration.rateLimits[name] = rateLimit }
            }
        }
        if let node = entries["routes"], let items = sequence(node, at: "routes") {
            let routes = items.enumerated().map { readRoute($1, at: "routes[\($0)]", in: configuration) }
            checkRouteNames(routes)
            checkRouteAuth(routes, issuersDeclared: Self.declaresIssuers(entries["auth"]))
            configuration.routes = routes.compactMap { $0 }
        } else if configuration.upstreams.count == 1 {
            configuration.routes = [RouteSettings(pathPrefix: "/", upstream: configuration.upstreams[0].name)]
        }
        completeCache(&configuration)
        configuration.audit = readAudit(entries["audit"], routeNames: Set(configuration.routes.compactMap(\.name)), authDeclared: entries["auth"] != nil)
        configuration.postgres = readPostgres(entries["postgres"], server: configuration.server, admin: configuration.admin)
        return configuration
    }

    mutating func readServer(_ node: Node?) -> ServerSettings {
        var server = ServerSettings()
        let keys = [
            "listen", "trusted_proxies", "drain_timeout", "idle_timeout", "max_header_size", "max_body_size", "rate_limit_headers", "access_log", "threads",
            "max_header_count", "header_timeout", "body_idle_timeout", "max_pipelined_requests", "discard_body_limit", "max_connections", "path_escapes",
            "http2",
        ] + Self.serverTLSKeys
        let entries = node.flatMap { mapping($0, at: "server", allowed: keys) } ?? [:]
        if let listen = value(entries["listen"], at: "server.listen", ListenAddress.parse) { server.listen = listen }
        if let ranges = stringList(entries["trusted_proxies"], at: "server.trusted_proxies") {
            server.trustedProxies = ranges.enumerated().compactMap { index, text in
                switch AddressRange.parse(text) {
                case .success(let range): return range
                case .failure(let problem):
                    report("server.trusted_proxies[\(index)]", problem.description + source(of: "server.trusted_proxies"), about: text)
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
                report("server.rate_limit_headers", "must be 'ietf' (RateLimit/RateLimit-Policy) or 'legacy' (RateLimit-Limit/-Remaining/-Reset), got '\(Self.shown(text, at: "server.rate_limit_headers"))'")
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
        readServerLimits(entries, into: &server)
        readServerTLS(entries, into: &server)
        readHTTP2(entries["http2"], into: &server)
        return server
    }

    /// The connection and request limits of `server:` (their defaults are in ``ServerSettings/Defaults``).
    private mutating func readServerLimits(_ entries: [String: Node], into server: inout ServerSettings) {
        if let value = int(entries["max_header_count"], at: "server.max_header_count", in: 10...10_000) { server.maxHeaderCount = value }
        if let value = duration(entries["header_timeout"], at: "server.header_timeout", minimum: .milliseconds(100)) { server.headerTimeout = value }
        if let value = duration(entries["body_idle_timeout"], at: "server.body_idle_timeout", minimum: .milliseconds(100)) { server.bodyIdleTimeout = value }
        if let value = int(entries["max_pipelined_requests"], at: "server.max_pipelined_requests", in: 1...1024) { server.maxPipelinedRequests = value }
        if let value = value(entries["discard_body_limit"], at: "server.discard_body_limit", ByteSizeSyntax.parse) {
            if value > 1 << 30 { report("server.discard_body_limit", "must be at most 1GiB, got \(value) bytes") } else { server.discardBodyLimit = value }
        }
        if let value = int(entries["max_connections"], at: "server.max_connections", in: 1...1_000_000) { server.maxConnections = value }
        if let text = string(entries["path_escapes"], at: "server.path_escapes") {
            if let policy = PathEscapePolicy(rawValue: text) { server.pathEscapes = policy } else {
                report("server.path_escapes", "must be 'reject' (answer 400) or 'keep', got '\(Self.shown(text, at: "server.path_escapes"))'")
            }
        }
    }

    mutating func readAdmin(_ node: Node?) -> AdminSettings {
        var admin = AdminSettings()
        let entries = node.flatMap { mapping($0, at: "admin", allowed: ["listen", "token_env", "enabled", "sample_interval", "allowed_hosts"]) } ?? [:]
        if let listen = value(entries["listen"], at: "admin.listen", ListenAddress.parse) { admin.listen = listen }
        if let name = string(entries["token_env"], at: "admin.token_env") {
            if name.isEmpty { report("admin.token_env", "must name an environment variable") } else { admin.tokenEnvironmentVariable = name }
        }
        if let enabled = bool(entries["enabled"], at: "admin.enabled") { admin.enabled = enabled }
        if let value = duration(entries["sample_interval"], at: "admin.sample_interval", minimum: .milliseconds(10)) { admin.sampleInterval = value }
        if let hosts = stringList(entries["allowed_hosts"], at: "admin.allowed_hosts") {
            admin.allowedHosts = hosts.enumerated().compactMap { index, text in
                switch Self.parseAllowedHost(text) {
                case .success(let host): return host
                case .failure(let problem):
                    report("admin.allowed_hosts[\(index)]", problem.description, about: text)
                    return nil
                }
            }
        }
        return admin
    }

    /// An `admin.allowed_hosts` entry: a host name or IP address as it appears in `Host` without its
    /// port (`bulwark.internal`, `10.0.0.5`, `[fd00::5]`), lowercased.
    static func parseAllowedHost(_ text: String) -> Result<String, SyntaxProblem> {
        let host = text.trimmingWhitespace().lowercased()
        if host.isEmpty { return .failure(SyntaxProblem("must be a host name, e.g. bulwark.internal")) }
        if host.contains("://") || host.contains("/") || host.contains("@") || host.contains(where: \.isWhitespace) {
            return .failure(SyntaxProblem("'\(text)' must be a host name only (no scheme, path or user), e.g. bulwark.internal"))
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else {
                return .failure(SyntaxProblem("'\(text)' is not a bracketed IPv6 address such as [fd00::5] (write it without a port)"))
            }
            return .success(host)
        }
        if host.contains(":") {
            let hint = host.filter { $0 == ":" }.count > 1 ? "write an IPv6 address in brackets, e.g. [fd00::5]" : "write the name without a port: the admin port is always the one accepted"
            return .failure(SyntaxProblem("'\(text)': \(hint)"))
        }
        return .success(host)
    }

    mutating func readRedis(_ node: Node?) -> RedisSettings? {
        guard node != nil || overrides["redis.url"] != nil else { return nil }
        let entries = node.flatMap { mapping($0, at: "redis", allowed: ["url"]) } ?? [:]
        guard let url = string(entries["url"], at: "redis.url") else {
            report("redis.url", "missing: give redis://host:port/db, or remove the redis section to keep limits in memory")
            return nil
        }
        guard url.hasPrefix("redis://") else {
            report("redis.url", "'\(Self.shown(url, at: "redis.url"))' is not a redis:// URL\(source(of: "redis.url"))")
            return nil
        }
        return RedisSettings(url: url)
    }

    mutating func readRateLimit(name: String, _ node: Node) -> RateLimitClass? {
        let path = "rate_limits.\(name)"
        guard let entries = mapping(node, at: path, allowed: ["requests", "per", "burst", "algorithm", "key", "mode"]) else { return nil }
        let requests = entries["requests"] == nil ? nil : int(entries["requests"], at: "\(path).requests", in: 1...Int.max)
        let window = entries["per"] == nil ? nil : duration(entries["per"], at: "\(path).per", minimum: .milliseconds(1))
        if entries["requests"] == nil { report("\(path).requests", "missing: how many requests per window") }
        if entries["per"] == nil { report("\(path).per", "missing: the window, e.g. 1m or 15m") }
        let burst = int(entries["burst"], at: "\(path).burst", in: 1...Int.max)
        var algorithm = RateLimitAlgorithm.gcra
        if let text = string(entries["algorithm"], at: "\(path).algorithm") {
            if let parsed = RateLimitAlgorithm(rawValue: text) { algorithm = parsed } else {
                report("\(path).algorithm", "must be 'gcra' or 'token_bucket', got '\(Self.shown(text, at: "\(path).algorithm"))'")
            }
        }
        var key = RateLimitKey.clientIP
        if let text = string(entries["key"], at: "\(path).key") {
            if text == "ip" {
                key = .clientIP
            } else if text.hasPrefix("header:"), text.count > "header:".count {
                key = .header(String(text.dropFirst("header:".count)))
            } else if text.hasPrefix("claim:"), text.count > "claim:".count {
                key = .claim(String(text.dropFirst("claim:".count)))
            } else {
                report("\(path).key", "must be 'ip', 'header:NAME' (e.g. header:X-API-Key) or 'claim:NAME' (e.g. claim:tenant), got '\(Self.shown(text, at: "\(path).key"))'")
            }
        }
        var sharing = RateLimitSharing.exact
        if let text = string(entries["mode"], at: "\(path).mode") {
            if let parsed = RateLimitSharing(rawValue: text) {
                if parsed == .leased, algorithm != .gcra {
                    report("\(path).mode", "leased needs algorithm gcra (the default), not \(algorithm.rawValue)")
                } else {
                    sharing = parsed
                }
            } else {
                report("\(path).mode", "must be 'exact' (every request asks Redis) or 'leased' (slices of the allowance decided locally), got '\(Self.shown(text, at: "\(path).mode"))'")
            }
        }
        guard let requests, let window else { return nil }
        var policy = RateLimitPolicy(name: name, limit: requests, per: window, burst: burst, algorithm: algorithm)
        policy.sharing = sharing
        return RateLimitClass(policy: policy, key: key)
    }

    mutating func readRoute(_ node: Node, at path: String, in configuration: BulwarkConfiguration) -> RouteSettings? {
        guard let entries = mapping(node, at: path, allowed: ["name", "path_prefix", "methods", "upstream", "rate_limits", "timeout", "streaming", "stream_idle_timeout", "upgrades", "websocket", "cache"] + Self.routeAuthKeys) else { return nil }
        let prefix = string(entries["path_prefix"], at: "\(path).path_prefix") ?? "/"
        if !prefix.hasPrefix("/") { report("\(path).path_prefix", "must start with '/', got '\(Self.shown(prefix, at: "\(path).path_prefix"))'") }
        guard let upstream = string(entries["upstream"], at: "\(path).upstream") else {
            report("\(path).upstream", "missing: name the upstream that serves this route")
            return nil
        }
        if configuration.upstream(named: upstream) == nil {
            let names = configuration.upstreams.map(\.name)
            let hint = Self.closest(to: upstream, among: names).map { " (did you mean '\($0)'?)" }
                ?? (names.isEmpty ? " (no upstreams are defined)" : " (defined: \(names.joined(separator: ", ")))")
            report("\(path).upstream", "no upstream named '\(Self.shown(upstream, at: "\(path).upstream"))'\(hint)")
        }
        var route = RouteSettings(pathPrefix: prefix, upstream: upstream)
        if let name = string(entries["name"], at: "\(path).name") {
            if let problem = RouteSettings.nameProblem(name) {
                report("\(path).name", "\(Self.quotedName(name))\(problem)", about: name)
            } else if name == RouteSettings.unmatchedLabel {
                report("\(path).name", "'\(name)' is reserved: it labels requests that matched no route")
            } else {
                route.name = name
            }
        }
        if let methods = stringList(entries["methods"], at: "\(path).methods") {
            route.methods = Set(methods.map { $0.uppercased() })
        }
        route.cache = entries["cache"].flatMap { readRouteCache($0, at: "\(path).cache", methods: route.methods) }
        if let classes = stringList(entries["rate_limits"], at: "\(path).rate_limits") {
            for (index, name) in classes.enumerated() where configuration.rateLimitClass(named: name) == nil {
                report("\(path).rate_limits[\(index)]", "no rate limit named '\(name)' (declare it under rate_limits, or use a preset: global, auth, write, upload, report)")
            }
            route.rateLimits = classes
        }
        route.timeout = duration(entries["timeout"], at: "\(path).timeout", minimum: .milliseconds(1))
        if let streaming = bool(entries["streaming"], at: "\(path).streaming") { route.streaming = streaming }
        if let idle = duration(entries["stream_idle_timeout"], at: "\(path).stream_idle_timeout", minimum: RouteSettings.Defaults.minimumStreamIdleTimeout) {
            route.streamIdleTimeout = idle
        }
        if let upgrades = stringList(entries["upgrades"], at: "\(path).upgrades") {
            route.upgrades = []
            for (index, name) in upgrades.enumerated() {
                let protocolName = name.lowercased()
                if protocolName == "h2c" {
                    report("\(path).upgrades[\(index)]", "h2c is never upgraded to (HTTP/2 is not relayed over an upgrade); remove it")
                } else if protocolName.isEmpty || !protocolName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") }) {
                    report("\(path).upgrades[\(index)]", "must be a protocol name as sent in Upgrade (e.g. websocket), got '\(Self.shown(name, at: "\(path).upgrades[\(index)]"))'")
                } else if !route.upgrades.contains(protocolName) {
                    route.upgrades.append(protocolName)
                }
            }
        }
        if let node = entries["websocket"], let settings = mapping(node, at: "\(path).websocket", allowed: ["idle_timeout", "max_lifetime"]) {
            let minimum = UpgradedConnectionSettings.Defaults.minimum
            if let idle = duration(settings["idle_timeout"], at: "\(path).websocket.idle_timeout", minimum: minimum) {
                route.websocket.idleTimeout = idle
            }
            route.websocket.maxLifetime = duration(settings["max_lifetime"], at: "\(path).websocket.max_lifetime", minimum: minimum)
        }
        readRouteAuth(entries, at: path, into: &route, in: configuration)
        return route
    }

    /// Reports an explicit route name that is another route's label, at the name's key path. `routes` are
    /// indexed as in the file (nil where a route could not be read). A name taken by an earlier route is
    /// reported at the later one; a name that is the path prefix of a later unnamed route is reported at
    /// the name. Unnamed routes sharing a prefix share their label, as they always have.
    mutating func checkRouteNames(_ routes: [RouteSettings?]) {
        for (index, route) in routes.enumerated() {
            guard let name = route?.name else { continue }
            if let earlier = routes[..<index].firstIndex(where: { $0?.label == name }) {
                let what = routes[earlier]?.name == nil ? "the path prefix, and so the label," : "the name"
                report("routes[\(index)].name", "'\(name)' is already \(what) of routes[\(earlier)]; route names must be unique")
            } else if let later = routes[(index + 1)...].firstIndex(where: { $0 != nil && $0?.name == nil && $0?.pathPrefix == name }) {
                report("routes[\(index)].name", "'\(name)' is also the path prefix, and so the label, of routes[\(later)], which has no name; name that route or choose another name")
            }
        }
    }

    /// `'name' ` for a message about an invalid route name, or nothing when the name holds control
    /// characters; a long name is cut short.
    static func quotedName(_ name: String) -> String {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return "" }
        return name.count > 40 ? "'\(name.prefix(40))…' " : "'\(name)' "
    }
}
