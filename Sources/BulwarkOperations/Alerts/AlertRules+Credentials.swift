import Foundation

extension AlertRules {
    /// `upstream_credentials_failing`: one condition per upstream whose OAuth2 token refreshes fail —
    /// `error` while a valid token is still in use, `critical` once none is left (its requests then get
    /// 503). The subject is the upstream's name; the value is the number of failed refreshes in a row.
    /// The message names the upstream, when the failures started and the last error (which never holds
    /// a secret). A successful refresh clears the condition, so the alert resolves by itself.
    ///
    /// ```
    /// upstream 'vendor': token refreshes failing since 2026-11-23 09:05:43 UTC (3 in a row), last error:
    /// token endpoint: answered 401: invalid_client; the current token stays in use until 2026-11-23 10:00:00 UTC
    /// ```
    public static func credentialConditions(for observation: Observation) -> [AlertCondition] {
        observation.credentials.compactMap { credential in
            guard let severity = credential.severity, let since = credential.failingSince else { return nil }
            let failures = credential.consecutiveFailures == 1 ? "1 failure" : "\(credential.consecutiveFailures) in a row"
            var message = "upstream '\(credential.upstream)': token refreshes failing since \(utcSeconds(since)) (\(failures))"
            if let error = credential.lastError { message += ", last error: \(error)" }
            switch severity {
            case .critical:
                let expired = credential.tokenExpiresAt.map { " (the last one expired at \(utcSeconds($0)))" } ?? ""
                message += "; no valid token is left\(expired): its requests answer 503"
            default:
                let until = credential.tokenExpiresAt.map { " until \(utcSeconds($0))" } ?? ""
                message += "; the current token stays in use\(until)"
            }
            return AlertCondition(
                rule: "upstream_credentials_failing", subject: credential.upstream, severity: severity,
                value: Double(credential.consecutiveFailures), message: message
            )
        }
    }

    /// `2026-11-23 09:05:43 UTC`.
    static func utcSeconds(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC",
            parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
        )
    }
}
