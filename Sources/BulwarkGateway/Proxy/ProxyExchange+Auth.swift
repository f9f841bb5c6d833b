import BulwarkAuth

/// Bearer tokens whose key the gateway has not seen yet, and logouts.
extension ProxyExchange {
    /// The token names a key its issuer's set lacks: the set is fetched again (one fetch shared by every
    /// request that waits on it, at most once per cooldown), then the token is verified again and the
    /// request routed. Body bytes that arrive meanwhile are kept by the machine.
    func awaitKeys(
        of issuer: String, keyID: String, token: String, authentication: GatewayAuthentication,
        _ snapshot: GatewaySnapshot, vetted: VettedRequest, request: ExchangeRequest
    ) {
        perform(machine.keysRequested(request))
        guard machine.state == .authenticating else { return }
        let eventLoop = self.eventLoop
        Task {
            _ = await authentication.keys.refreshForUnknownKey(issuer: issuer, keyID: keyID)
            eventLoop.execute {
                guard self.machine.state == .authenticating else { return }
                self.route(snapshot, vetted: vetted, request: request, authentication: authentication.afterKeyRefresh(token))
            }
        }
    }

    /// A response head to the route's logout request (`routes[].revoke_on`): a 2xx revokes the caller's
    /// token, on this instance before the client sees the answer, then in the shared store.
    func revokeIfLoggedOut(status: Int) {
        guard let context, context.revokesOnSuccess, (200..<300).contains(status), let token = context.token else { return }
        self.context?.revokesOnSuccess = false
        runtime.authentication?.revokeOnLogout(token)
    }
}
