extension AlertRules {
    /// `auth_keys_stale`: one condition per issuer whose key set could not be refreshed for a while (or
    /// was never loaded), `error`: tokens signed with keys it has not seen are refused. The subject is
    /// the issuer; the message has the last error (which never holds key material).
    ///
    /// `auth_revocation_store_down`: the revocation list is shared through Redis and out of step with it.
    /// `warning` under `on_store_failure: allow` (tokens revoked on other gateways meanwhile still pass
    /// here), `critical` under `deny` (every token not known locally is refused with 401).
    public static func authConditions(for observation: Observation) -> [AlertCondition] {
        guard let auth = observation.auth else { return [] }
        var conditions: [AlertCondition] = auth.issuers.filter(\.stale).map { issuer in
            var message = "issuer '\(issuer.issuer)': its key set cannot be refreshed; tokens signed with new keys are refused"
            if let error = issuer.lastError { message += " (last error: \(error))" }
            return AlertCondition(rule: "auth_keys_stale", subject: issuer.issuer, severity: .error, value: 1, message: message)
        }
        if auth.revocationShared, !auth.revocationStoreReachable {
            let deny = auth.onStoreFailure == "deny"
            let message = deny
                ? "the revocation list cannot reach Redis: on_store_failure is deny, so every token not known to this gateway is refused with 401"
                : "the revocation list cannot reach Redis: on_store_failure is allow, so tokens revoked on other gateways meanwhile still pass here"
            conditions.append(AlertCondition(
                rule: "auth_revocation_store_down", subject: "revocation", severity: deny ? .critical : .warning, value: 1, message: message
            ))
        }
        return conditions
    }
}
