import BulwarkAuth
import BulwarkConfig
import Foundation
import NIOHTTP1

/// What an admin API call changes, as the audit log names it: `breaker.force_open`, `alert.resolve`,
/// `cache.purge`… with its subject and details. Pure: read from the request alone, before anything is
/// carried out. Details never hold a secret: a pasted token is named by its id (`jti:…` or `sha256:…`),
/// a purged URL's query is masked.
struct AdminAction: Sendable, Equatable {
    /// The action's name.
    var name: String
    /// What it acts on (a circuit, an alert id, a process group, a purge's prefix…).
    var subject: String?
    /// Anything else the request said, without secrets.
    var detail: [String: String]?

    /// The action a request to `path` (trailing `/` removed) asks for; nil when it changes nothing
    /// (every `GET`, and paths that are not actions).
    init?(path: String, request: AdminRequest) {
        guard request.method == .POST else { return nil }
        switch path {
        case "/api/config/reload":
            self.init(name: "config.reload")
        case "/api/cache/purge":
            self = Self.purge(request.body)
        case "/api/tokens/revoke":
            self = Self.revocation(request.body)
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            // "", "api", kind, name…, verb
            guard parts.count >= 5, parts[1] == "api", let verb = parts.last else { return nil }
            let raw = parts[3..<(parts.count - 1)].joined(separator: "/")
            let subject = raw.removingPercentEncoding ?? raw
            switch (parts[2], verb) {
            case ("circuits", "open"): self.init(name: "breaker.force_open", subject: subject)
            case ("circuits", "close"): self.init(name: "breaker.force_close", subject: subject)
            case ("circuits", "reset"): self.init(name: "breaker.reset", subject: subject)
            case ("alerts", "resolve") where parts.count == 5: self.init(name: "alert.resolve", subject: subject)
            case ("processes", "restart") where parts.count == 5: self.init(name: "process.restart", subject: subject)
            default: return nil
            }
        }
    }

    init(name: String, subject: String? = nil, detail: [String: String]? = nil) {
        self.name = name
        self.subject = subject
        self.detail = detail
    }

    /// `cache.purge`: the prefix (and host), the URL with its query masked, or the tag.
    static func purge(_ body: [UInt8]) -> AdminAction {
        guard let purge = try? JSONDecoder().decode(APIBody.CachePurge.self, from: Data(body)) else {
            return AdminAction(name: "cache.purge", detail: ["request": "unreadable body"])
        }
        var detail: [String: String] = [:]
        if let prefix = purge.prefix { detail["prefix"] = prefix }
        if let host = purge.host { detail["host"] = host }
        if let url = purge.url { detail["url"] = SecretRedaction.redactingURL(url) }
        if let tag = purge.tag { detail["tag"] = tag }
        return AdminAction(name: "cache.purge", subject: purge.prefix ?? detail["url"] ?? purge.tag, detail: detail.isEmpty ? nil : detail)
    }

    /// `token.revoke`: the entry's id (never the pasted token), or the issuer and subject with `before`.
    static func revocation(_ body: [UInt8]) -> AdminAction {
        guard let request = try? JSONDecoder().decode(APIBody.TokenRevocation.self, from: Data(body)),
              case .success(let entry) = AdminAPI.entry(for: request, now: Date()) else {
            return AdminAction(name: "token.revoke", detail: ["request": "unreadable or invalid body"])
        }
        switch entry {
        case .token(let id, let expiresAt):
            let by = request.jti != nil ? "jti" : request.sha256 != nil ? "sha256" : "token"
            var detail = ["by": by]
            if let expiresAt { detail["expires_at"] = String(Int64(expiresAt)) }
            return AdminAction(name: "token.revoke", subject: id, detail: detail)
        case .subject(let issuer, let subject, let before):
            return AdminAction(name: "token.revoke", subject: subject, detail: ["by": "subject", "issuer": issuer, "before": String(Int64(before))])
        }
    }
}
