import BulwarkAuth
import BulwarkConfig

/// What the gateway made of a request's bearer token, before routing: a token that is present is
/// verified (signature, issuer, audience, times, revocation) whatever route the request takes, so that
/// `routes[].claims` can select one.
enum RequestAuthentication: Equatable, Sendable {
    /// No `Authorization: Bearer …` (or another scheme).
    case anonymous
    /// A valid token, not revoked.
    case verified(VerifiedToken)
    /// A token that is present and invalid, or revoked.
    case refused(AuthFailure)

    /// The verified token's claims; nil otherwise (a claim-matched route never matches).
    var claims: Claims? {
        if case .verified(let token) = self { return token.claims }
        return nil
    }

    /// What a route with `mode` makes of it: nil lets the request through, a failure gets 401.
    /// - `required`: only a verified token passes.
    /// - `optional`: no token passes without claims; an invalid one is still refused.
    /// - `off`: the token is not looked at.
    func refusal(under mode: RouteAuthMode) -> AuthFailure? {
        switch (mode, self) {
        case (.off, _), (_, .verified), (.optional, .anonymous): nil
        case (.required, .anonymous): AuthFailure(.missing, "this route needs a bearer token (Authorization: Bearer <token>)")
        case (_, .refused(let failure)): failure
        }
    }

    /// The token a route with `mode` acts on (forwarded claims, `claim:` rate-limit keys, `revoke_on`):
    /// none on `off` routes.
    func token(under mode: RouteAuthMode) -> VerifiedToken? {
        guard mode != .off, case .verified(let token) = self else { return nil }
        return token
    }
}
