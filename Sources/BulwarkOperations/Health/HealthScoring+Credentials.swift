import Foundation

extension HealthScoring {
    /// One `credentials` check per upstream with an OAuth2 token, named `<upstream>/credentials`:
    ///
    /// | state | check |
    /// | --- | --- |
    /// | token valid, refreshes succeed (or the first fetch is under way) | `healthy` |
    /// | refreshes fail, a valid token is still in use | `degraded` |
    /// | refreshes fail and no valid token is left: the upstream's requests answer 503 | `unhealthy` |
    /// | the token provider was shut down | `degraded` |
    ///
    /// An `unhealthy` check makes the instance `DEGRADED`, never `UNHEALTHY`, and readiness does not
    /// change: the token endpoint is shared by every instance, so failing readiness would take them all
    /// out of the load balancer, with the routes to other upstreams, and would not bring a token back.
    public static func credentialChecks(for observation: Observation) -> [HealthReport.Check] {
        observation.credentials.map { credential in
            let name = "\(credential.upstream)/credentials"
            let until = credential.tokenExpiresAt.map { AlertRules.utcSeconds($0) }
            if credential.isShutDown {
                return .init(name: name, kind: "credentials", status: .degraded, latencyMs: nil, message: "token provider stopped")
            }
            guard let since = credential.failingSince else {
                let message = credential.hasValidToken ? "token valid until \(until ?? "?")" : "fetching a token"
                return .init(name: name, kind: "credentials", status: .healthy, latencyMs: nil, message: message)
            }
            var failing = "token refreshes failing since \(AlertRules.utcSeconds(since))"
            if let error = credential.lastError { failing += " (\(error))" }
            if credential.hasValidToken {
                return .init(name: name, kind: "credentials", status: .degraded, latencyMs: nil, message: "\(failing); the current token is valid until \(until ?? "?")")
            }
            return .init(name: name, kind: "credentials", status: .unhealthy, latencyMs: nil, message: "no valid token, \(failing): requests to the upstream answer 503")
        }
    }
}
