import BulwarkAuth
import CoreMetrics

/// `bulwark_auth_verifications_total{outcome}`: every request looked at on a route with `auth:` on,
/// by outcome (`verified`, `anonymous`, or the refusal's reason, e.g. `token_expired`).
final class AuthTelemetry: Sendable {
    private let verified: Counter
    private let anonymous: Counter
    private let refused: [AuthFailure.Reason: Counter]

    init(factory: any MetricsFactory) {
        let label = "bulwark_auth_verifications_total"
        verified = Counter(label: label, dimensions: [("outcome", "verified")], factory: factory)
        anonymous = Counter(label: label, dimensions: [("outcome", "anonymous")], factory: factory)
        var refused: [AuthFailure.Reason: Counter] = [:]
        for reason in AuthFailure.Reason.allCases {
            refused[reason] = Counter(label: label, dimensions: [("outcome", reason.rawValue)], factory: factory)
        }
        self.refused = refused
    }

    /// Counts the outcome a route acted on.
    func record(_ authentication: RequestAuthentication, refusal: AuthFailure?) {
        if let refusal { return refused[refusal.reason]?.increment() ?? () }
        switch authentication {
        case .verified: verified.increment()
        case .anonymous, .refused: anonymous.increment()
        }
    }
}
