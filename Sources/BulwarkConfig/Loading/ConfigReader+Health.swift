import Foundation
import Yams

/// The `health:` section: the dependency checks `/health` shows besides the gateway's own.
extension ConfigReader {
    /// The kind keys of a `health.checks` entry; each entry has exactly one.
    static let dependencyCheckKinds = ["postgres", "http", "tcp", "redis", "disk"]

    /// Names the built-in checks already use, with what they check.
    static let builtInCheckNames = [
        "redis": "the gateway's own Redis (redis.url)",
        "backup": "backup freshness",
        "tls": "the listener's certificates",
    ]

    mutating func readHealth(_ node: Node?) -> HealthSettings {
        var health = HealthSettings()
        guard let node, let entries = mapping(node, at: "health", allowed: ["checks"]) else { return health }
        guard let list = entries["checks"], let items = sequence(list, at: "health.checks") else { return health }
        var names: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            if let check = readDependencyCheck(item, at: "health.checks[\(index)]", index: index, names: &names) { health.checks.append(check) }
        }
        return health
    }

    /// One entry of `health.checks`; `names` maps the (lower-cased) names seen so far to their index.
    private mutating func readDependencyCheck(_ node: Node, at path: String, index: Int, names: inout [String: Int]) -> DependencyCheckSettings? {
        let keys = ["name", "critical", "interval", "timeout", "slow"] + Self.dependencyCheckKinds + ["expect_status", "tls", "warning", "error"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        let name = checkName(entries["name"], at: "\(path).name", index: index, names: &names)

        let kinds = Self.dependencyCheckKinds.filter { entries[$0] != nil }
        if kinds.isEmpty {
            report(path, "needs one of postgres, http, tcp, redis or disk")
        } else if kinds.count > 1 {
            report(path, "has \(Self.listing(kinds)): give exactly one of postgres, http, tcp, redis or disk")
        }
        for (key, owner) in [("expect_status", "http"), ("tls", "http"), ("warning", "disk"), ("error", "disk")]
        where entries[key] != nil && !kinds.isEmpty && !kinds.contains(owner) {
            report("\(path).\(key)", "applies to \(owner) checks only")
        }
        var targets: [DependencyCheckSettings.Target] = []
        for kind in kinds {
            if let target = checkTarget(kind, entries, at: path) { targets.append(target) }
        }

        var settings = DependencyCheckSettings(name: name ?? "", target: targets.first ?? .tcp(host: "", port: 0))
        if let critical = bool(entries["critical"], at: "\(path).critical") { settings.critical = critical }
        let interval = duration(entries["interval"], at: "\(path).interval", minimum: .milliseconds(100))
        let timeout = duration(entries["timeout"], at: "\(path).timeout", minimum: .milliseconds(10))
        if let interval { settings.interval = interval }
        // A timeout may exceed the interval: the next run starts `interval` after the previous one
        // ended, so runs never overlap.
        if let timeout { settings.timeout = timeout }
        if let slow = duration(entries["slow"], at: "\(path).slow") {
            if slow <= .zero {
                report("\(path).slow", "must be above 0s")
            } else if slow >= settings.timeout, entries["timeout"] == nil || timeout != nil {
                report("\(path).slow", "must be below timeout (\(DurationSyntax.format(settings.timeout))), got \(DurationSyntax.format(slow))")
            } else {
                settings.slow = slow
            }
        }
        guard name != nil, targets.count == 1, kinds.count == 1 else { return nil }
        return settings
    }

    /// `name`: required, `[A-Za-z0-9_.-]+`, not a built-in check's, unique (ignoring case).
    private mutating func checkName(_ node: Node?, at path: String, index: Int, names: inout [String: Int]) -> String? {
        guard node != nil else {
            report(path, "missing: the check's name in /health and /metrics, e.g. database")
            return nil
        }
        guard let name = string(node, at: path) else { return nil }
        guard !name.isEmpty else {
            report(path, "must not be empty")
            return nil
        }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }) else {
            report(path, "must be made of letters, digits, '_', '-' and '.' (it is a metrics label and a URL path segment), got '\(Self.shown(name, at: path))'")
            return nil
        }
        if let builtIn = Self.builtInCheckNames[name.lowercased()] {
            report(path, "'\(name)' is the name of a built-in check (\(builtIn)); choose another name")
            return nil
        }
        if let first = names[name.lowercased()] {
            report(path, "duplicate check name '\(name)' (health.checks[\(first)] has it already)")
            return nil
        }
        names[name.lowercased()] = index
        return name
    }

    /// The target of the kind key `kind`, validated; nil after reporting a problem.
    private mutating func checkTarget(_ kind: String, _ entries: [String: Node], at path: String) -> DependencyCheckSettings.Target? {
        let keyPath = "\(path).\(kind)"
        guard let text = string(entries[kind], at: keyPath) else { return nil }
        switch kind {
        case "postgres":
            guard checkURL(text, at: keyPath, schemes: ["postgres", "postgresql"], example: "postgres://monitor@10.0.0.1:5432/app") != nil else { return nil }
            return .postgres(url: text)
        case "http":
            guard let url = checkURL(text, at: keyPath, schemes: ["http", "https"], example: "https://api.vendor.com/status") else { return nil }
            var expectStatus = DependencyCheckSettings.Defaults.expectStatus
            if let node = entries["expect_status"] {
                guard let statuses = statusList(node, at: "\(path).expect_status") else { return nil }
                expectStatus = statuses
            }
            var tls = UpstreamTLSSettings()
            if let node = entries["tls"] {
                guard let settings = readUpstreamTLSSettings(node, at: "\(path).tls") else { return nil }
                if url.scheme?.lowercased() != "https" { report("\(path).tls", "applies to https:// URLs only, and this check's URL is http://") }
                tls = settings
            }
            return .http(url: text, expectStatus: expectStatus, tls: tls)
        case "tcp":
            switch Self.parseHostPort(text) {
            case .success(let address): return .tcp(host: address.host, port: address.port)
            case .failure(let problem):
                report(keyPath, problem.description, about: text)
                return nil
            }
        case "redis":
            guard let url = checkURL(text, at: keyPath, schemes: ["redis"], example: "redis://10.0.0.5:6379/0") else { return nil }
            let database = url.path.drop(while: { $0 == "/" })
            guard database.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                report(keyPath, "the database after the host must be a number such as 0, got '\(database)'")
                return nil
            }
            return .redis(url: text)
        default:
            guard text.hasPrefix("/") else {
                report(keyPath, "must be an absolute path such as /var/lib/bulwark, got '\(Self.shown(text, at: keyPath))'")
                return nil
            }
            var warning = DependencyCheckSettings.Defaults.diskWarning
            var error = DependencyCheckSettings.Defaults.diskError
            let readWarning = value(entries["warning"], at: "\(path).warning", Self.parseRatio)
            let readError = value(entries["error"], at: "\(path).error", Self.parseRatio)
            if let readWarning { warning = readWarning }
            if let readError { error = readError }
            if (entries["warning"] != nil && readWarning == nil) || (entries["error"] != nil && readError == nil) { return nil }
            guard error >= warning else {
                report("\(path).error", "must not be below warning (\(Self.percent(warning))), got \(Self.percent(error))")
                return nil
            }
            return .disk(path: text, warning: warning, error: error)
        }
    }

    /// The URL `text` when its scheme is one of `schemes` and it has a host; reports otherwise (redacted).
    private mutating func checkURL(_ text: String, at path: String, schemes: [String], example: String) -> URLComponents? {
        let expected = schemes.map { "\($0)://" }.joined(separator: " or ")
        if text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
            report(path, "URL '\(text)' holds a space or control character: percent-encode it (a space is %20)", about: text)
            return nil
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            report(path, "expected a \(expected) URL such as \(example), got '\(text)'", about: text)
            return nil
        }
        guard schemes.contains(scheme) else {
            report(path, "expected a \(expected) URL such as \(example), got '\(text)'", about: text)
            return nil
        }
        guard let host = url.host, !host.isEmpty else {
            report(path, "URL '\(text)' has no host", about: text)
            return nil
        }
        if let port = url.port, !(1...65_535).contains(port) {
            report(path, "URL '\(text)' has no valid port (1–65535)", about: text)
            return nil
        }
        if schemes.contains("postgres") {
            for item in url.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    let modes = ["disable", "prefer", "require", "verify-ca", "verify-full"]
                    if !modes.contains(item.value ?? "") {
                        report(path, "sslmode must be disable, prefer, require, verify-ca or verify-full, got '\(item.value ?? "")'")
                        return nil
                    }
                case "sslrootcert", "application_name": continue
                default:
                    report(path, "unknown URL parameter '\(item.name)'; known: sslmode, sslrootcert, application_name")
                    return nil
                }
            }
        }
        return url
    }

    /// `expect_status`: one status or a non-empty list, each 100–599; duplicates count once.
    private mutating func statusList(_ node: Node, at path: String) -> [Int]? {
        if case .scalar = node { return int(node, at: path, in: 100...599).map { [$0] } }
        guard let items = sequence(node, at: path) else { return nil }
        guard !items.isEmpty else {
            report(path, "must list at least one status, e.g. [200, 204]")
            return nil
        }
        var statuses: [Int] = []
        var valid = true
        for (index, item) in items.enumerated() {
            guard let status = int(item, at: "\(path)[\(index)]", in: 100...599) else {
                valid = false
                continue
            }
            if !statuses.contains(status) { statuses.append(status) }
        }
        return valid ? statuses : nil
    }

    /// `host:port` with a port 1–65535; an IPv6 host goes in brackets (`[::1]:25`) and is returned without them.
    static func parseHostPort(_ text: String) -> Result<(host: String, port: Int), SyntaxProblem> {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(SyntaxProblem("expected HOST:PORT with an IPv6 host in brackets such as [::1]:25, got '\(text)'"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(SyntaxProblem("expected HOST:PORT such as 10.0.0.9:25, got '\(text)'"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(SyntaxProblem("an IPv6 host goes in brackets, as in [::1]:25, got '\(text)'"))
            }
        }
        if host.isEmpty || host.contains(where: { $0.isWhitespace || "/@[]".contains($0) }) {
            return .failure(SyntaxProblem("expected HOST:PORT such as 10.0.0.9:25, got '\(text)'"))
        }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            return .failure(SyntaxProblem("'\(text)' has no valid port (1–65535)"))
        }
        return .success((String(host), port))
    }

    /// `a and b`, `a, b and c`.
    private static func listing(_ words: [String]) -> String {
        words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " and " + words[words.count - 1]
    }

    /// `0.85` as `85%`.
    private static func percent(_ ratio: Double) -> String {
        let value = (ratio * 10_000).rounded() / 100
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
