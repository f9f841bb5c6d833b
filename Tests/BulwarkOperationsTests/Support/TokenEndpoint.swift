import BulwarkDemo
import Foundation
import Synchronization

/// A local OAuth2 token endpoint for the gateway's `credentials.oauth2_client_credentials`, on a
/// ``DemoUpstream``: `POST /token` issues `tok-1`, `tok-2`, … valid for an hour while ``failing`` is
/// false, and answers `401 {"error": "invalid_client"}` while it is true. It checks nothing about the
/// client: the credentials library's own tests do that.
final class TokenEndpoint: Sendable {
    let server: DemoUpstream
    private let box: StateBox

    private init(server: DemoUpstream, box: StateBox) {
        self.server = server
        self.box = box
    }

    /// Starts the endpoint, failing from the start when `failing`.
    static func start(failing: Bool = false) async throws -> TokenEndpoint {
        let box = StateBox(failing: failing)
        let server = try await DemoUpstream.start { request in box.answer(request) }
        return TokenEndpoint(server: server, box: box)
    }

    /// Whether token requests are refused.
    var failing: Bool {
        get { box.state.withLock { $0.failing } }
        set { box.state.withLock { $0.failing = newValue } }
    }

    /// Tokens issued so far.
    var issued: Int { box.state.withLock { $0.issued } }

    /// Shares the state between the endpoint and the server's reply closure.
    private final class StateBox: Sendable {
        let state: Mutex<(failing: Bool, issued: Int)>
        init(failing: Bool) { state = Mutex((failing: failing, issued: 0)) }

        func answer(_ request: DemoRequest) -> DemoReply {
            let json = [(name: "Content-Type", value: "application/json")]
            guard request.method == "POST", request.uri.hasPrefix("/token") else { return DemoReply(status: 404, body: "not found") }
            return state.withLock { state in
                if state.failing {
                    return DemoReply(status: 401, body: #"{"error":"invalid_client","error_description":"client authentication failed"}"#, headers: json)
                }
                state.issued += 1
                return DemoReply(body: #"{"access_token":"tok-\#(state.issued)","token_type":"Bearer","expires_in":3600}"#, headers: json)
            }
        }
    }
}
