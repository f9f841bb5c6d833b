import BulwarkGateway

extension HealthMonitor {
    /// The OAuth2 token of every upstream of `gateway` that has `credentials.oauth2_client_credentials`,
    /// now. Upstreams with a header credential or none are left out: there is nothing to renew.
    static func credentials(of gateway: Gateway) -> [Observation.CredentialObservation] {
        gateway.upstreams.compactMap { upstream in
            upstream.credentialStatus.map { Observation.CredentialObservation(upstream: upstream.name, status: $0) }
        }
    }
}
