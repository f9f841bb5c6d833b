import Foundation
import Yams

/// `audit:` (its defaults are in ``AuditSettings/Defaults``). Read after `routes:` and `auth:`, which
/// `audit.routes.names` and `audit.actor.claim` depend on. A `database_url` is never quoted with its
/// password: messages pass through ``SecretRedaction``.
extension ConfigReader {
    static let auditKeys = [
        "journal", "database_url", "durability", "routes", "actor", "capture_body", "redact", "retention", "on_failure",
        "segment_size", "ship_interval", "ship_batch",
    ]

    /// The shortest `retention`: one day.
    static let minimumAuditRetention: Duration = .seconds(86_400)

    /// `audit:`, or nil when absent (nothing is audited). An empty `audit:` takes every default.
    /// `routeNames` are the names of the routes read (`routes[].name`); `authDeclared` says whether the
    /// file has an `auth:` section, which `actor: { claim }` needs.
    mutating func readAudit(_ node: Node?, routeNames: Set<String>, authDeclared: Bool) -> AuditSettings? {
        guard let node else { return nil }
        var audit = AuditSettings()
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return audit }
        guard let entries = mapping(node, at: "audit", allowed: Self.auditKeys) else { return audit }
        if let path = string(entries["journal"], at: "audit.journal") {
            if path.trimmingWhitespace().isEmpty {
                report("audit.journal", "must be a directory path, e.g. \(AuditSettings.Defaults.journal)")
            } else {
                audit.journal = path
            }
        }
        if let url = string(entries["database_url"], at: "audit.database_url") {
            let lowered = url.lowercased()
            let sslMode = URLComponents(string: url)?.queryItems?.first { $0.name == "sslmode" }?.value
            if !(lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")) {
                report("audit.database_url", "must be a postgres:// or postgresql:// URL, got '\(SecretRedaction.redactingURL(url))'")
            } else if let sslMode, sslMode != "disable" {
                report("audit.database_url", "sslmode '\(sslMode)' is not supported for the audit database (TLS to it is not built yet); use sslmode=disable on a trusted network or a local socket")
            } else {
                audit.databaseURL = url
            }
        }
        if let text = string(entries["durability"], at: "audit.durability") {
            if let value = AuditSettings.Durability(rawValue: text) { audit.durability = value } else {
                report("audit.durability", "must be 'sync' (a response waits for its record on disk) or 'async', got '\(Self.shown(text, at: "audit.durability"))'")
            }
        }
        if let routes = entries["routes"] { readAuditRoutes(routes, routeNames: routeNames, into: &audit) }
        if let actor = entries["actor"] { audit.actor = readAuditActor(actor, authDeclared: authDeclared) }
        if let bytes = value(entries["capture_body"], at: "audit.capture_body", ByteSizeSyntax.parse) {
            let maximum = AuditSettings.Defaults.maximumCaptureBodyBytes
            if bytes > maximum { report("audit.capture_body", "must be at most 64KiB (\(maximum) bytes), got \(bytes) bytes") } else { audit.captureBodyBytes = bytes }
        }
        if let names = stringList(entries["redact"], at: "audit.redact") {
            var kept: [String] = []
            for (index, name) in names.enumerated() {
                if name.trimmingWhitespace().isEmpty { report("audit.redact[\(index)]", "must be a field name, e.g. password") } else { kept.append(name) }
            }
            audit.redact = kept
        }
        if let retention = duration(entries["retention"], at: "audit.retention", minimum: Self.minimumAuditRetention) { audit.retention = retention }
        if let text = string(entries["on_failure"], at: "audit.on_failure") {
            if let value = AuditSettings.FailureMode(rawValue: text) { audit.onFailure = value } else {
                report("audit.on_failure", "must be 'reject' (503 while the journal takes no records) or 'pass', got '\(Self.shown(text, at: "audit.on_failure"))'")
            }
        }
        if let bytes = value(entries["segment_size"], at: "audit.segment_size", ByteSizeSyntax.parse) {
            if bytes < 64 * 1024 { report("audit.segment_size", "must be at least 64KiB, got \(bytes) bytes") } else { audit.segmentBytes = bytes }
        }
        if let interval = duration(entries["ship_interval"], at: "audit.ship_interval", minimum: .milliseconds(10)) { audit.shipInterval = interval }
        if let batch = int(entries["ship_batch"], at: "audit.ship_batch", in: 1...100_000) { audit.shipBatch = batch }
        return audit
    }

    /// `audit.routes`: `methods` (HTTP method tokens, upper-cased) and `names` (routes that exist).
    private mutating func readAuditRoutes(_ node: Node, routeNames: Set<String>, into audit: inout AuditSettings) {
        guard let entries = mapping(node, at: "audit.routes", allowed: ["methods", "names"]) else { return }
        if let methods = stringList(entries["methods"], at: "audit.routes.methods") {
            var kept: Set<String> = []
            for (index, method) in methods.enumerated() {
                if method.isEmpty || !method.utf8.allSatisfy(Self.isMethodTokenByte) {
                    report("audit.routes.methods[\(index)]", "must be an HTTP method such as POST, got '\(Self.shown(method, at: "audit.routes.methods[\(index)]"))'")
                } else {
                    kept.insert(method.uppercased())
                }
            }
            if methods.isEmpty { report("audit.routes.methods", "must list at least one method, e.g. [POST, PUT, PATCH, DELETE]") }
            audit.methods = kept
        }
        if let names = stringList(entries["names"], at: "audit.routes.names") {
            var kept: Set<String> = []
            for (index, name) in names.enumerated() {
                if routeNames.contains(name) {
                    kept.insert(name)
                } else {
                    let hint = Self.closest(to: name, among: routeNames.sorted()).map { " (did you mean '\($0)'?)" }
                        ?? (routeNames.isEmpty ? " (no route has a name)" : " (named routes: \(routeNames.sorted().joined(separator: ", ")))")
                    report("audit.routes.names[\(index)]", "no route named '\(Self.shown(name, at: "audit.routes.names[\(index)]"))'\(hint)")
                }
            }
            audit.routeNames = kept
        }
    }

    /// `audit.actor`: exactly one of `response_header` (a header name) or `claim` (needs `auth:`).
    private mutating func readAuditActor(_ node: Node, authDeclared: Bool) -> AuditSettings.ActorSource? {
        guard let entries = mapping(node, at: "audit.actor", allowed: ["response_header", "claim"]) else { return nil }
        guard entries.count == 1 else {
            report("audit.actor", "give exactly one of response_header (e.g. X-Audit-Actor) or claim (e.g. sub)")
            return nil
        }
        if let name = string(entries["response_header"], at: "audit.actor.response_header") {
            if let problem = Self.headerNameProblem(name) {
                report("audit.actor.response_header", problem.replacingOccurrences(of: "X-Client-Subject", with: "X-Audit-Actor"), about: name)
                return nil
            }
            if name.lowercased().hasPrefix("x-forwarded-") {
                report("audit.actor.response_header", "'\(name)' is a forwarding header the gateway sets; choose another name such as X-Audit-Actor")
                return nil
            }
            return .responseHeader(name)
        }
        if let claim = string(entries["claim"], at: "audit.actor.claim") {
            if claim.trimmingWhitespace().isEmpty {
                report("audit.actor.claim", "must name a claim of the verified token, e.g. sub")
                return nil
            }
            if !authDeclared {
                report("audit.actor.claim", "needs an auth: section (the gateway verifies bearer tokens only with auth.jwt); add it, or use actor: { response_header: X-Audit-Actor }")
                return nil
            }
            return .claim(claim)
        }
        return nil
    }

    /// The characters of an HTTP method token (RFC 9110 §5.6.2).
    private static func isMethodTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
