import BulwarkAuth
import BulwarkConfig
import BulwarkGateway
import Foundation

/// `POST /api/tokens/revoke` and `GET /api/tokens`: revoking bearer tokens, and the state of key sets
/// and the revocation list.
///
/// A revocation takes one of:
/// - `{"jti": "…", "exp": 1767225600}`: one token by its `jti` (`exp`, seconds since 1970 or an RFC 3339
///   time, is optional: it bounds how long the entry is kept; without it `auth.revocation.max_ttl`);
/// - `{"token": "<compact JWT>"}`: one token, by its `jti` if it has one, else by its SHA-256 (its `exp`
///   bounds the entry; its signature is not checked: revoking a forged token does no harm);
/// - `{"sha256": "<hex>", "exp": …}`: a token without `jti`, by its SHA-256 — of its signed part,
///   `header.payload` (everything before the last `.`), which ECDSA re-signing cannot change;
/// - `{"iss": "…", "sub": "…", "before": "2026-11-30T12:00:00Z"}`: every token of that user issued
///   before that time (`before` defaults to now): "log out everywhere".
///
/// It is in force on this gateway at once and on the others within a second (through Redis with
/// `auth.revocation.redis`). The answer is 200 `{"revoked": …, "stored": true}`, or 202 with
/// `"stored": false` when Redis did not take it (this gateway writes it when Redis answers again).
extension AdminAPI {
    func revokeToken(_ request: AdminRequest) async -> AdminResponse {
        guard let authentication = gateway.authentication else {
            return .error(.conflict, "bearer-token authentication is not running on this gateway")
        }
        guard let body = try? JSONDecoder().decode(APIBody.TokenRevocation.self, from: Data(request.body)) else {
            return .error(.badRequest, Self.revocationUsage)
        }
        let entry: RevocationEntry
        switch Self.entry(for: body, now: Date()) {
        case .success(let value): entry = value
        case .failure(let problem): return .error(.badRequest, problem.message)
        }
        do {
            try await authentication.revocation.revoke(entry, origin: .admin)
            monitor.logger.notice("token revoked by hand", metadata: ["entry": "\(entry.logLabel)"])
            return .json(APIBody.TokenRevoked(revoked: entry.logLabel, stored: true, message: nil))
        } catch {
            monitor.logger.warning("token revoked on this instance only", metadata: ["entry": "\(entry.logLabel)", "error": "\(error)"])
            return .json(APIBody.TokenRevoked(revoked: entry.logLabel, stored: false, message: "\(error)"), status: .accepted)
        }
    }

    func tokenStatus() -> AdminResponse {
        guard let authentication = gateway.authentication else {
            return .json(APIBody.TokenStatus(enabled: false, issuers: [], revocation: nil))
        }
        let issuers = authentication.keys.status.map(APIBody.TokenStatus.Issuer.init)
        let revocation = authentication.revocation
        return .json(APIBody.TokenStatus(
            enabled: gateway.configuration.auth != nil, issuers: issuers,
            revocation: .init(entries: revocation.count, store_reachable: revocation.storeReachable,
                              shared: gateway.configuration.auth?.revocation.usesRedis ?? false,
                              on_store_failure: revocation.onStoreFailure.rawValue)
        ))
    }

    static let revocationUsage = #"send {"jti": "…", "exp": 1767225600}, {"token": "<JWT>"}, {"sha256": "<hex>"} or {"iss": "…", "sub": "…", "before": "2026-11-30T12:00:00Z"}"#

    struct RevocationProblem: Error {
        var message: String
    }

    /// The entry a request body asks for, or what is wrong with it.
    static func entry(for body: APIBody.TokenRevocation, now: Date) -> Result<RevocationEntry, RevocationProblem> {
        let kinds = [body.jti != nil, body.token != nil, body.sha256 != nil, body.iss != nil || body.sub != nil].filter { $0 }.count
        guard kinds == 1 else {
            return .failure(RevocationProblem(message: "send exactly one of jti, token, sha256 or iss with sub; " + revocationUsage))
        }
        let expiry: Double?
        switch body.exp {
        case nil: expiry = nil
        case .seconds(let seconds): expiry = seconds
        case .text(let text):
            guard let date = parseTime(text) else { return .failure(RevocationProblem(message: "exp must be seconds since 1970 or an RFC 3339 time, got '\(text.prefix(40))'")) }
            expiry = date.timeIntervalSince1970
        }
        if let jti = body.jti {
            guard !jti.isEmpty else { return .failure(RevocationProblem(message: "jti must not be empty")) }
            return .success(.token(id: RevocationEntry.tokenID(jti: jti), expiresAt: expiry))
        }
        if let hex = body.sha256 {
            let lower = hex.lowercased()
            guard lower.count == 64, lower.allSatisfy(\.isHexDigit) else {
                return .failure(RevocationProblem(message: "sha256 must be the 64 hex digits of the token's SHA-256"))
            }
            return .success(.token(id: RevocationEntry.tokenID(fingerprint: lower), expiresAt: expiry))
        }
        if let pasted = body.token {
            // As pasted from a terminal or a request: blanks and line breaks around it, or the whole
            // `Bearer …` value. The gateway hashes the bare token, so this must too.
            guard let entry = RevocationEntry.forUnverifiedToken(bareToken(pasted)[...], fallbackExpiry: expiry) else {
                return .failure(RevocationProblem(message: "token must be a compact JWT (three base64url parts)"))
            }
            return .success(entry)
        }
        guard let issuer = body.iss, !issuer.isEmpty, let subject = body.sub, !subject.isEmpty else {
            return .failure(RevocationProblem(message: "iss and sub go together, both non-empty"))
        }
        var before = now.timeIntervalSince1970
        if let text = body.before {
            guard let date = parseTime(text) else {
                return .failure(RevocationProblem(message: "before must be an RFC 3339 time such as 2026-11-30T12:00:00Z, got '\(text.prefix(40))'"))
            }
            before = date.timeIntervalSince1970
            // A time ahead would also refuse every token issued until then: new logins included.
            guard before <= now.timeIntervalSince1970 + maximumBeforeAhead else {
                return .failure(RevocationProblem(message: "before is in the future: it would also refuse every token issued until then, new logins included; give a time up to now"))
            }
        }
        return .success(.subject(issuer: issuer, subject: subject, before: before))
    }

    /// `text` without the whitespace around it and without a leading `Bearer ` (any case).
    static func bareToken(_ text: String) -> String {
        var token = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if token.prefix(6).lowercased() == "bearer", let next = token.dropFirst(6).first, next == " " || next == "\t" {
            token = token.dropFirst(6).drop { $0 == " " || $0 == "\t" }
        }
        return String(token)
    }

    /// How far ahead of this gateway's clock `before` may be (clock skew between the caller and us).
    static let maximumBeforeAhead: Double = 60

    /// An RFC 3339 time, with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

extension APIBody {
    /// The body of `POST /api/tokens/revoke`.
    struct TokenRevocation: Decodable {
        var jti: String?
        var token: String?
        var sha256: String?
        var exp: Expiry?
        var iss: String?
        var sub: String?
        var before: String?

        /// `exp` as a number of seconds, or an RFC 3339 time.
        enum Expiry: Decodable {
            case seconds(Double)
            case text(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let seconds = try? container.decode(Double.self) { self = .seconds(seconds) } else { self = .text(try container.decode(String.self)) }
            }
        }
    }

    /// The answer of `POST /api/tokens/revoke`.
    struct TokenRevoked: Encodable {
        var revoked: String
        var stored: Bool
        var message: String?
    }

    /// The answer of `GET /api/tokens`.
    struct TokenStatus: Encodable {
        var enabled: Bool
        var issuers: [Issuer]
        var revocation: Revocation?

        struct Issuer: Encodable {
            var issuer: String
            var source: String
            var location: String?
            var keys: Int
            var key_ids: [String]
            var stale: Bool
            var last_refresh: Date?
            var last_error: String?

            init(_ status: KeySetStatus) {
                issuer = status.issuer
                source = status.source.rawValue
                // A jwks_url's query can hold an API key: shown as the configuration shows it (`?***`).
                location = status.source == .url ? status.location.map(SecretRedaction.redactingURL) : status.location
                keys = status.keyCount
                key_ids = status.keyIDs
                stale = status.stale
                last_refresh = status.lastRefresh.map { Date(timeIntervalSince1970: $0) }
                last_error = status.lastError.map(SecretRedaction.redactingURLs(in:))
            }
        }

        struct Revocation: Encodable {
            var entries: Int
            var store_reachable: Bool
            var shared: Bool
            var on_store_failure: String
        }
    }
}
