import Yams

/// `auth:` and the route keys that use it: `routes[].auth`, `routes[].claims` (or `match.claims`) and
/// `routes[].revoke_on` (the defaults are in ``JWTSettings/Defaults`` and ``RevocationSettings/Defaults``).
/// Whether a `jwks_file` exists and holds usable keys is checked where it is loaded, as for certificates.
/// An issuer's `secret` is never quoted: its key path makes every message show it as `***`.
extension ConfigReader {
    static let authKeys = ["jwt", "revocation"]
    static let jwtKeys = ["issuers", "leeway", "forward_claims"]
    static let issuerKeys = ["issuer", "audiences", "jwks_file", "jwks_url", "jwks_refresh", "secret", "algorithms"]
    static let revocationKeys = ["redis", "max_ttl", "on_store_failure"]
    static let routeAuthKeys = ["auth", "claims", "match", "revoke_on"]

    /// The `alg` names an issuer with a `secret` accepts (RFC 7518 §3.2).
    static let hmacAlgorithms = ["HS256", "HS384", "HS512"]
    /// The `alg` names an issuer with a key set accepts (RFC 7518 §3.1, RFC 8037 §3.1).
    static let keySetAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    /// Request headers `forward_claims` may not set besides those ``headerNameProblem(_:)`` refuses: the
    /// hop-by-hop ones and the forwarding headers the gateway owns, and fields with a meaning of their
    /// own that a claim must not replace (the client's credentials, cookies, content metadata,
    /// expectations).
    private static let gatewayOwnedHeaders: Set<String> = [
        "proxy-connection", "proxy-authenticate", "proxy-authorization", "forwarded",
        "authorization", "cookie", "expect", "content-type", "content-encoding", "content-range", "range",
        "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "origin",
    ]

    /// `auth:`, or nil when absent. `redisDeclared` says whether the file has a `redis:` section (or
    /// `BULWARK_REDIS_URL` gives one), which `auth.revocation.redis: true` needs.
    mutating func readAuth(_ node: Node?, redisDeclared: Bool) -> AuthSettings? {
        guard let node else { return nil }
        var auth = AuthSettings()
        guard let entries = mapping(node, at: "auth", allowed: Self.authKeys) else { return auth }
        if let jwt = entries["jwt"] { auth.jwt = readJWT(jwt, at: "auth.jwt") }
        if let revocation = entries["revocation"] {
            auth.revocation = readRevocation(revocation, at: "auth.revocation", redisDeclared: redisDeclared)
        }
        return auth
    }

    /// Whether the `auth:` node lists any issuer, valid or not: routes that ask for a token are checked
    /// against this, so a mistake inside an issuer is not reported again at every route.
    static func declaresIssuers(_ node: Node?) -> Bool {
        guard case .sequence(let issuers)? = node?["jwt"]?["issuers"] else { return false }
        return !issuers.isEmpty
    }

    private mutating func readJWT(_ node: Node, at path: String) -> JWTSettings {
        var jwt = JWTSettings()
        guard let entries = mapping(node, at: path, allowed: Self.jwtKeys) else { return jwt }
        if let list = entries["issuers"] {
            if let items = sequence(list, at: "\(path).issuers") {
                if items.isEmpty { report("\(path).issuers", "must list at least one issuer { issuer, jwks_file | jwks_url | secret }") }
                var seen: [String: Int] = [:]
                for (index, item) in items.enumerated() {
                    let itemPath = "\(path).issuers[\(index)]"
                    guard let issuer = readIssuer(item, at: itemPath) else { continue }
                    if let earlier = seen[issuer.issuer] {
                        report("\(itemPath).issuer", "'\(Self.shown(issuer.issuer, at: "\(itemPath).issuer"))' is also \(path).issuers[\(earlier)].issuer; each issuer is listed once")
                    } else {
                        seen[issuer.issuer] = index
                        jwt.issuers.append(issuer)
                    }
                }
            }
        } else {
            report("\(path).issuers", "missing: list at least one issuer { issuer, jwks_file | jwks_url | secret }")
        }
        if let leeway = duration(entries["leeway"], at: "\(path).leeway") {
            let maximum = JWTSettings.Defaults.maximumLeeway
            if leeway > maximum {
                report("\(path).leeway", "must be at most \(DurationSyntax.format(maximum)), got \(DurationSyntax.format(leeway))")
            } else {
                jwt.leeway = leeway
            }
        }
        if let node = entries["forward_claims"] { jwt.forwardClaims = readForwardedClaims(node, at: "\(path).forward_claims") }
        return jwt
    }

    /// One entry of `auth.jwt.issuers`, or nil when it has a problem (all of them reported).
    private mutating func readIssuer(_ node: Node, at path: String) -> JWTIssuerSettings? {
        guard let entries = mapping(node, at: path, allowed: Self.issuerKeys) else { return nil }
        var valid = true
        let name = string(entries["issuer"], at: "\(path).issuer")
        if entries["issuer"] == nil {
            report("\(path).issuer", "missing: the exact iss of the issuer's tokens, e.g. https://auth.example.com")
        } else if name?.isEmpty == true {
            report("\(path).issuer", "must not be empty: the exact iss of the issuer's tokens")
            valid = false
        }
        var audiences: [String] = []
        if let list = stringList(entries["audiences"], at: "\(path).audiences") {
            for (index, audience) in list.enumerated() {
                if audience.isEmpty {
                    report("\(path).audiences[\(index)]", "must not be empty")
                    valid = false
                } else if !audiences.contains(audience) {
                    audiences.append(audience)
                }
            }
        }
        let keys = readKeySource(entries, at: path)
        let algorithms = readAlgorithms(entries["algorithms"], at: "\(path).algorithms", keys: keys)
        guard valid, let name, let keys, let algorithms else { return nil }
        return JWTIssuerSettings(issuer: name, audiences: audiences, keys: keys, algorithms: algorithms)
    }

    /// Exactly one of `jwks_file`, `jwks_url` (with `jwks_refresh`) and `secret`; nil when there is not
    /// exactly one, or it has a problem.
    private mutating func readKeySource(_ entries: [String: Node], at path: String) -> JWTKeySource? {
        let given = ["jwks_file", "jwks_url", "secret"].filter { entries[$0] != nil }
        if entries["jwks_refresh"] != nil, entries["jwks_url"] == nil {
            report("\(path).jwks_refresh", "applies to jwks_url only")
        }
        guard given.count == 1, let kind = given.first else {
            if given.isEmpty {
                report(path, "needs its keys: jwks_file: FILE, jwks_url: URL or secret: ${ENV}")
            } else {
                report(path, "has \(given.joined(separator: " and ")): choose one")
            }
            return nil
        }
        let keyPath = "\(path).\(kind)"
        guard let text = string(entries[kind], at: keyPath) else { return nil }
        switch kind {
        case "jwks_file":
            guard !text.trimmingWhitespace().isEmpty else {
                report(keyPath, "must be a file path")
                return nil
            }
            return .file(path: text)
        case "jwks_url":
            let refresh = duration(entries["jwks_refresh"], at: "\(path).jwks_refresh", minimum: JWTSettings.Defaults.minimumJWKSRefresh)
            let lowered = text.lowercased()
            let scheme = lowered.hasPrefix("https://") ? "https://" : lowered.hasPrefix("http://") ? "http://" : nil
            guard let scheme, text.count > scheme.count, !text.contains(where: \.isWhitespace) else {
                report(keyPath, "must be an http:// or https:// URL, got '\(Self.shown(text, at: keyPath))'")
                return nil
            }
            if entries["jwks_refresh"] != nil, refresh == nil { return nil }
            return .url(text, refresh: refresh ?? JWTSettings.Defaults.jwksRefresh)
        default:
            guard !text.isEmpty else {
                report(keyPath, "must not be empty; give the shared secret, e.g. ${JWT_SECRET}")
                return nil
            }
            return .secret(text)
        }
    }

    /// `algorithms`, checked against the key source (`keys`, nil when it has a problem; then only the
    /// names are checked); the default when absent. Nil when an entry has a problem.
    private mutating func readAlgorithms(_ node: Node?, at path: String, keys: JWTKeySource?) -> [String]? {
        var secret: String?
        if case .secret(let value) = keys { secret = value }
        guard let names = stringList(node, at: path) else {
            if node != nil { return nil }
            let defaults = secret == nil ? JWTSettings.Defaults.algorithms : JWTSettings.Defaults.secretAlgorithms
            if let secret { checkSecretLength(secret, for: defaults, at: path) }
            return defaults
        }
        if names.isEmpty {
            report(path, "must list at least one algorithm, e.g. [\(JWTSettings.Defaults.algorithms.joined(separator: ", "))]")
            return nil
        }
        var accepted: [String] = []
        var valid = true
        for (index, name) in names.enumerated() {
            if let problem = algorithmProblem(name, secret: keys == nil ? nil : secret != nil) {
                report("\(path)[\(index)]", problem, about: name)
                valid = false
            } else if !accepted.contains(name) {
                accepted.append(name)
            }
        }
        guard valid else { return nil }
        if let secret { checkSecretLength(secret, for: accepted, at: path) }
        return accepted
    }

    /// Why `name` cannot be in the `algorithms` of an issuer with a secret (`secret` true), a key set
    /// (false) or an unknown key source (nil), or nil when it can.
    private func algorithmProblem(_ name: String, secret: Bool?) -> String? {
        if name.lowercased() == "none" {
            return "'\(name)' is never accepted: a token without a signature proves nothing"
        }
        if Self.hmacAlgorithms.contains(name) {
            return secret == false ? "\(name) needs a shared secret: give the issuer a secret instead of a key set, or remove \(name)" : nil
        }
        if Self.keySetAlgorithms.contains(name) {
            return secret == true
                ? "\(name) needs a public key: a secret verifies only \(Self.hmacAlgorithms.joined(separator: ", ")); use jwks_file or jwks_url for \(name)"
                : nil
        }
        let known = Self.keySetAlgorithms + Self.hmacAlgorithms
        let hint = known.first { $0.lowercased() == name.lowercased() }.map { " (did you mean '\($0)'?)" } ?? ""
        return "'\(name)' is not an algorithm Bulwark verifies\(hint); use one of \(known.joined(separator: " ")), spelled as JOSE writes them"
    }

    /// Reports a secret shorter than the hash output of the largest HMAC algorithm accepted (RFC 7518
    /// §3.2), at the key path of the secret (the sibling of `algorithmsPath`). The message says how many
    /// bytes are needed, never what the secret is.
    private mutating func checkSecretLength(_ secret: String, for algorithms: [String], at algorithmsPath: String) {
        guard let algorithm = algorithms.max(by: { Self.secretBytes($0) < Self.secretBytes($1) }) else { return }
        let needed = Self.secretBytes(algorithm)
        guard secret.utf8.count < needed else { return }
        let secretPath = String(algorithmsPath.dropLast("algorithms".count)) + "secret"
        report(secretPath, "is shorter than the \(needed) bytes \(algorithm) needs (RFC 7518 §3.2); use a longer random secret")
    }

    /// The shortest secret `algorithm` accepts, in bytes: its hash output size.
    private static func secretBytes(_ algorithm: String) -> Int {
        switch algorithm {
        case "HS512": 64
        case "HS384": 48
        default: 32
        }
    }

    /// `auth.jwt.forward_claims`: header → claim, in file order.
    private mutating func readForwardedClaims(_ node: Node, at path: String) -> [ForwardedClaim] {
        var claims: [ForwardedClaim] = []
        var seen: [String: String] = [:]
        for (header, value) in namedEntries(node, at: path) {
            let headerPath = "\(path).\(header)"
            let claim = string(value, at: headerPath)
            if let problem = Self.headerNameProblem(header) {
                report(headerPath, problem.replacingOccurrences(of: "X-Client-Subject", with: "X-User-Id"))
                continue
            }
            let lowered = header.lowercased()
            if lowered.hasPrefix("x-forwarded-") || Self.gatewayOwnedHeaders.contains(lowered) {
                report(headerPath, "'\(header)' is set by the gateway, is hop-by-hop, or has a meaning of its own a claim must not replace; choose another name such as X-User-Id")
                continue
            }
            if let earlier = seen[lowered] {
                report(headerPath, "'\(header)' is also forwarded as '\(earlier)' (header names are case-insensitive); set each header from one claim")
                continue
            }
            seen[lowered] = header
            guard let claim else { continue }
            if claim.isEmpty {
                report(headerPath, "must name a claim, e.g. sub")
                continue
            }
            claims.append(ForwardedClaim(header: header, claim: claim))
        }
        return claims
    }

    private mutating func readRevocation(_ node: Node, at path: String, redisDeclared: Bool) -> RevocationSettings {
        var revocation = RevocationSettings()
        guard let entries = mapping(node, at: path, allowed: Self.revocationKeys) else { return revocation }
        if let redis = bool(entries["redis"], at: "\(path).redis") {
            if redis, !redisDeclared {
                report("\(path).redis", "needs a redis: section (the shared list is kept at redis.url); add redis: { url: redis://host:6379/0 }, or set \(path).redis: false to keep the list in this instance's memory")
            } else {
                revocation.usesRedis = redis
            }
        }
        if let value = duration(entries["max_ttl"], at: "\(path).max_ttl", minimum: RevocationSettings.Defaults.minimumMaxTTL) {
            revocation.maxTTL = value
        }
        if let text = string(entries["on_store_failure"], at: "\(path).on_store_failure") {
            if let policy = RevocationSettings.StoreFailurePolicy(rawValue: text) { revocation.onStoreFailure = policy } else {
                report("\(path).on_store_failure", "must be 'allow' (tokens not known to be revoked pass, with an alert) or 'deny' (every token gets 401 until the store is back), got '\(Self.shown(text, at: "\(path).on_store_failure"))'")
            }
        }
        return revocation
    }
}

/// `routes[N].auth`, `.claims`, `.match` and `.revoke_on`.
extension ConfigReader {
    /// Reads the auth keys of the route at `path` (its `entries`) into `route`, whose other keys are
    /// read. Claims, a logout request and rate limits keyed by a claim all need a token, so each is an
    /// error on a route with `auth: off`.
    mutating func readRouteAuth(_ entries: [String: Node], at path: String, into route: inout RouteSettings, in configuration: BulwarkConfiguration) {
        var mode: RouteAuthMode? = .off
        if let text = string(entries["auth"], at: "\(path).auth") {
            mode = RouteAuthMode(rawValue: text)
            if let mode { route.auth = mode } else {
                report("\(path).auth", "must be 'required' (no valid token, 401), 'optional' (a token is verified when sent) or 'off', got '\(Self.shown(text, at: "\(path).auth"))'")
            }
        }
        let off = mode == .off
        var claimsNode = entries["claims"].map { ($0, "\(path).claims") }
        if let node = entries["match"], let match = mapping(node, at: "\(path).match", allowed: ["claims"]) {
            if let claims = match["claims"] {
                if claimsNode != nil {
                    report("\(path).match.claims", "also given as \(path).claims; keep one of the two")
                    claimsNode = nil
                } else {
                    claimsNode = (claims, "\(path).match.claims")
                }
            }
        }
        if let (node, claimsPath) = claimsNode {
            route.claims = readRouteClaims(node, at: claimsPath)
            if off, !route.claims.isEmpty {
                report(claimsPath, "this route has auth: off, so it sees no claims and never matches; set auth: required or optional")
            }
            if !route.claims.isEmpty, route.cache != nil {
                report("\(path).cache", "a route chosen by claims cannot cache: its responses would share cache keys with the routes it shadows (another tenant, or anonymous clients, could be served them); cache on the general route and have the app send Vary on a forwarded claim header such as X-Tenant-Id")
            }
        }
        if let node = entries["revoke_on"], let revokeOn = readRevokeOn(node, at: "\(path).revoke_on", route: route) {
            if off {
                report("\(path).revoke_on", "this route has auth: off, so it has no token to revoke; set auth: required or optional")
            } else {
                route.revokeOn = revokeOn
            }
        }
        if off {
            for (index, name) in route.rateLimits.enumerated() {
                guard case .claim(let claim)? = configuration.rateLimitClass(named: name)?.key else { continue }
                report("\(path).rate_limits", "'\(name)' (rate_limits[\(index)]) is keyed by claim:\(claim), and this route has auth: off, so the claim is never there; set auth: required or optional, or key the class by ip or header:NAME")
            }
        }
    }

    /// Reports each route that asks for a token while `auth.jwt` lists no issuer. `routes` are indexed as
    /// in the file (nil where a route could not be read); `issuersDeclared` is ``declaresIssuers(_:)``.
    mutating func checkRouteAuth(_ routes: [RouteSettings?], issuersDeclared: Bool) {
        guard !issuersDeclared else { return }
        for (index, route) in routes.enumerated() {
            guard let route, route.auth != .off else { continue }
            report("routes[\(index)].auth", "\(route.auth.rawValue) needs a token issuer: add auth: { jwt: { issuers: [{ issuer, jwks_file | jwks_url | secret }] } }")
        }
    }

    /// `claims` (or `match.claims`): claim name → the value it must equal, numbers and booleans as written.
    private mutating func readRouteClaims(_ node: Node, at path: String) -> [String: String] {
        var claims: [String: String] = [:]
        for (name, value) in namedEntries(node, at: path) {
            let claimPath = "\(path).\(name)"
            guard let text = string(value, at: claimPath) else { continue }
            if text.isEmpty {
                report(claimPath, "must not be empty: the value the claim must equal (a string, number or boolean)")
            } else {
                claims[name] = text
            }
        }
        return claims
    }

    /// `revoke_on: { path, method }`, checked against the route's prefix and methods.
    private mutating func readRevokeOn(_ node: Node, at path: String, route: RouteSettings) -> RevokeOnSettings? {
        guard let entries = mapping(node, at: path, allowed: ["path", "method"]) else { return nil }
        var valid = true
        let target = string(entries["path"], at: "\(path).path")
        if entries["path"] == nil { report("\(path).path", "missing: the logout request's path, e.g. /api/auth/logout") }
        if let target {
            if !target.hasPrefix("/") || target.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) {
                report("\(path).path", "must be a path starting with '/' without query or fragment, got '\(Self.shown(target, at: "\(path).path"))'")
                valid = false
            } else if !Self.path(target, isCoveredBy: route.pathPrefix) {
                report("\(path).path", "'\(target)' is outside path_prefix '\(route.pathPrefix)'; the route never sees it")
                valid = false
            }
        }
        var method = "POST"
        if let text = string(entries["method"], at: "\(path).method") {
            if text.isEmpty || !text.utf8.allSatisfy(Self.isMethodByte) {
                report("\(path).method", "must be a method such as POST, got '\(Self.shown(text, at: "\(path).method"))'")
                valid = false
            } else {
                method = text.uppercased()
            }
        }
        if valid, let methods = route.methods, !methods.contains(method) {
            report("\(path).method", "\(method) is not among the route's methods (\(methods.sorted().joined(separator: ", "))); the route never sees it")
            valid = false
        }
        guard valid, let target else { return nil }
        return RevokeOnSettings(path: target, method: method)
    }

    /// Whether `byte` may appear in a method, an HTTP token (RFC 9110 §9.1, §5.6.2).
    private static func isMethodByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether a request for `path` can match a route with `prefix`, by the router's rule: the path starts
    /// with the prefix byte for byte, and the prefix ends in `/` or the path goes on with `/` (or ends).
    static func path(_ path: String, isCoveredBy prefix: String) -> Bool {
        guard path.utf8.starts(with: prefix.utf8) else { return false }
        if prefix.hasSuffix("/") || path.utf8.count == prefix.utf8.count { return true }
        return path.utf8.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/")
    }
}
