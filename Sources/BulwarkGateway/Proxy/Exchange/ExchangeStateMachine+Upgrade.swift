import NIOHTTP1

/// Upgrades (`Upgrade: websocket`, or any protocol in `routes[].upgrades`). The request goes to one
/// target like any other (never tried again once it reached one); only a `101 Switching Protocols` whose
/// `Upgrade` names the protocol asked for switches, and then the exchange waits in ``State/upgraded(_:)``,
/// its attempt in flight, until the byte relay ends. Any other final response is relayed as usual and the
/// connection stays HTTP.
///
/// ```
/// awaitingHead ─ 101 + matching Upgrade ─▶ switchProtocols ─▶ upgraded ─ relay ended ─▶ finishUpgrade ─▶ finished
///              └ 101 naming another protocol ─▶ attempt failed (malformed response: 502)
/// ```
extension ExchangeStateMachine {
    /// A `101` came for a request that asked to upgrade to `asked`.
    mutating func switchingProtocols(_ head: HTTPResponseHead, asked: String, attempt: Attempt) -> Action {
        guard Self.upgradeMatches(head, asked: asked) else {
            let named = head.headers.first(name: "Upgrade") ?? "nothing"
            return attemptFailed(attempt, .malformedResponse("101 Switching Protocols to \(named), not the \(asked) asked for"))
        }
        responseStatus = 101
        state = .upgraded(attempt)
        return .switchProtocols(head: head)
    }

    /// The relay of an upgraded connection ended (either side closed, a timer, a drain): the attempt
    /// succeeded and its connection is closed.
    mutating func upgradedConnectionEnded() -> Action {
        guard case .upgraded(let attempt) = state else { return .none }
        end()
        return .finishUpgrade(AttemptSettlement(attempt: attempt.number, outcome: .succeeded, reusesConnection: false))
    }

    /// Whether a `101`'s `Upgrade` names the protocol asked for (case aside; `websocket` matches
    /// `websocket` and `WebSocket`, a version after `/` must match too when the request gave one).
    static func upgradeMatches(_ head: HTTPResponseHead, asked: String) -> Bool {
        let offered = UpgradeRequest.offered(in: head.headers)
        return offered.count == 1 && offered[0] == asked
    }
}
