import BulwarkDemo
import Foundation
import Synchronization

/// A local OAuth2 token endpoint (client credentials) and the API it protects, both real HTTP servers on
/// loopback: the endpoint issues `tok-1`, `tok-2`… and the API answers 401 to any token it was not
/// issued or that was revoked.
final class TokenAuthority: Sendable {
    struct State {
        var issued: [String] = []
        var revoked: Set<String> = []
        var tokenRequests: [DemoRequest] = []
        var failing = false
        var expiresIn: Int? = 3600
        var apiRequests: [DemoRequest] = []
    }

    let state = Mutex(State())
    /// How long the token endpoint takes to answer.
    let tokenDelay: Duration

    init(tokenDelay: Duration = .zero) { self.tokenDelay = tokenDelay }

    var tokenRequestCount: Int { state.withLock { $0.tokenRequests.count } }
    var apiRequests: [DemoRequest] { state.withLock { $0.apiRequests } }
    var lastTokenRequest: DemoRequest? { state.withLock { $0.tokenRequests.last } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    /// The API refuses every token issued so far.
    func revokeAll() { state.withLock { $0.revoked.formUnion($0.issued) } }

    /// The token endpoint's answer.
    func token(_ request: DemoRequest) -> DemoReply {
        state.withLock { state in
            state.tokenRequests.append(request)
            if state.failing { return DemoReply(status: 503, body: "{\"error\":\"temporarily_unavailable\"}", delay: tokenDelay) }
            let token = "tok-\(state.issued.count + 1)"
            state.issued.append(token)
            let expiry = state.expiresIn.map { ",\"expires_in\":\($0)" } ?? ""
            return DemoReply(body: "{\"access_token\":\"\(token)\",\"token_type\":\"Bearer\"\(expiry)}", headers: [("Content-Type", "application/json")], delay: tokenDelay)
        }
    }

    /// The protected API's answer: 200 with the token it saw, or 401.
    func api(_ request: DemoRequest) -> DemoReply {
        state.withLock { state in
            state.apiRequests.append(request)
            let authorization = request.header("Authorization") ?? ""
            let token = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
            guard state.issued.contains(token), !state.revoked.contains(token) else {
                return DemoReply(status: 401, body: "{\"error\":\"invalid_token\"}", headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
            }
            return DemoReply(body: "ok \(token)")
        }
    }

    /// Starts the endpoint (upstream 0) and the API (upstream 1).
    func start() async throws -> [DemoUpstream] {
        let endpoint = try await DemoUpstream.start { [self] request in token(request) }
        let api = try await DemoUpstream.start { [self] request in self.api(request) }
        return [endpoint, api]
    }
}
