import BulwarkAuth

extension ExchangeStateMachine {
    /// The head passed vetting, but its bearer token names a key the issuer's key set lacks: the shell
    /// fetches the set again (`jwks_url`, `jwks_file`) before routing, and reports
    /// ``headAccepted(_:policy:now:)`` or ``authenticationRefused(_:)``. Body bytes that arrive meanwhile
    /// are kept, as before any attempt.
    mutating func keysRequested(_ request: ExchangeRequest) -> Action {
        guard state == .receivingHead else { return .none }
        self.request = request
        if request.maxBodyBytes > 0, case .length(let length) = request.framing, length > request.maxBodyBytes {
            return answer(.declaredBodyTooLarge(length: length, limit: request.maxBodyBytes))
        }
        state = .authenticating
        return .none
    }

    /// The route the request matched needs a valid bearer token and it has none, or an invalid one:
    /// the gateway answers 401. `request` is the vetted head's, so the connection knows how much body
    /// is still to come after the answer.
    mutating func authenticationRefused(_ failure: AuthFailure, request: ExchangeRequest) -> Action {
        guard state == .receivingHead || state == .authenticating else { return .none }
        self.request = request
        return answer(.unauthorized(failure))
    }
}
