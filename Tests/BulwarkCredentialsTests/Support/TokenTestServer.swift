import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local OAuth 2.0 token endpoint and a resource it protects, on 127.0.0.1 and a free port, for tests.
///
/// `POST /token` checks the client's authentication (HTTP Basic per RFC 6749 §2.3.1, or `client_id` and
/// `client_secret` in the form) and the form fields, counts the request, and issues `tok-1`, `tok-2`, …
/// valid for ``Settings/expiresIn`` seconds on the test's clock (or answers ``Settings/failure``).
/// `/resource` answers 200 to a bearer token it issued that has not expired or been revoked, else 401.
final class TokenTestServer: Sendable {
    enum Failure: Sendable {
        /// Answer with this status and body.
        case status(Int, body: String)
    }

    struct Settings: Sendable {
        var clientID: String
        var clientSecret: String
        /// `expires_in` in seconds; `nil` leaves it out.
        var expiresIn: Int? = 10
        var failure: Failure?
    }

    /// One token request as received.
    struct TokenRequest: Sendable {
        /// `basic`, `post`, or `none`.
        var authMethod: String
        var form: [String: String]
        var contentType: String?
    }

    /// One resource request as received.
    struct ResourceRequest: Sendable {
        var authorization: String?
        var bodyBytes: Int
        var status: Int
    }

    private struct State {
        var settings: Settings
        var tokenRequests: [TokenRequest] = []
        var resourceRequests: [ResourceRequest] = []
        var issued: [String: Duration] = [:]   // token → expiry on the test's clock
        var revoked: Set<String> = []
    }

    let port: Int
    private let channel: any Channel
    private let state: Mutex<State>
    private let now: @Sendable () -> Duration

    var tokenURL: String { "http://127.0.0.1:\(port)/token" }
    var resourceURL: String { "http://127.0.0.1:\(port)/resource" }
    var tokenRequests: [TokenRequest] { state.withLock { $0.tokenRequests } }
    var resourceRequests: [ResourceRequest] { state.withLock { $0.resourceRequests } }

    private init(port: Int, channel: any Channel, settings: Settings, now: @escaping @Sendable () -> Duration) {
        self.port = port
        self.channel = channel
        self.state = Mutex(State(settings: settings))
        self.now = now
    }

    func update(_ change: (inout Settings) -> Void) { state.withLock { change(&$0.settings) } }
    func revokeAll() { state.withLock { $0.revoked.formUnion($0.issued.keys) } }

    static func start(_ settings: Settings, now: @escaping @Sendable () -> Duration) async throws -> TokenTestServer {
        let box = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = TokenTestServer(port: channel.localAddress?.port ?? 0, channel: channel, settings: settings, now: now)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() async {
        try? await channel.close()
    }

    /// Lets the handlers reach the server, which is made after the channel is bound.
    final class Box: Sendable {
        let server = Mutex<TokenTestServer?>(nil)
    }

    // MARK: Answers

    func answer(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: String) -> (Int, String) {
        if uri.hasPrefix("/token") { return answerToken(method: method, headers: headers, body: body) }
        return answerResource(headers: headers, body: body)
    }

    private func answerToken(method: HTTPMethod, headers: HTTPHeaders, body: String) -> (Int, String) {
        let form = Self.parseForm(body)
        let basic = headers["Authorization"].first.flatMap(Self.decodeBasic)
        let postCredentials = form["client_id"].map { ($0, form["client_secret"] ?? "") }
        let authMethod = basic != nil ? "basic" : (postCredentials != nil ? "post" : "none")
        return state.withLock { state -> (Int, String) in
            state.tokenRequests.append(TokenRequest(authMethod: authMethod, form: form, contentType: headers["Content-Type"].first))
            if case .status(let status, let body)? = state.settings.failure { return (status, body) }
            guard method == .POST, form["grant_type"] == "client_credentials" else {
                return (400, #"{"error":"unsupported_grant_type"}"#)
            }
            guard basic == nil || postCredentials == nil else {
                return (400, #"{"error":"invalid_request","error_description":"more than one authentication method"}"#)
            }
            guard let (id, secret) = basic ?? postCredentials, id == state.settings.clientID, secret == state.settings.clientSecret else {
                return (401, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
            }
            let token = "tok-\(state.issued.count + 1)"
            let lifetime = state.settings.expiresIn
            state.issued[token] = now() + .seconds(lifetime ?? 3600)
            let expires = lifetime.map { #","expires_in":\#($0)"# } ?? ""
            return (200, #"{"access_token":"\#(token)","token_type":"Bearer"\#(expires)}"#)
        }
    }

    private func answerResource(headers: HTTPHeaders, body: String) -> (Int, String) {
        let authorization = headers["Authorization"].first
        let token = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let now = now()
        return state.withLock { state -> (Int, String) in
            let valid = token.flatMap { state.issued[$0] }.map { now < $0 } == true && !state.revoked.contains(token ?? "")
            let status = valid ? 200 : 401
            state.resourceRequests.append(ResourceRequest(authorization: authorization, bodyBytes: body.utf8.count, status: status))
            return valid ? (200, "resource ok") : (401, #"{"error":"invalid_token"}"#)
        }
    }

    static func parseForm(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            fields[formDecoded(parts[0])] = parts.count > 1 ? formDecoded(parts[1]) : ""
        }
        return fields
    }

    static func formDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    static func decodeBasic(_ header: String) -> (String, String)? {
        guard header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
              let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        return (formDecoded(String(pair[..<colon])), formDecoded(String(pair[pair.index(after: colon)...])))
    }

    /// Collects a request and answers it.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let box: Box
        private var head: HTTPRequestHead?
        private var body = ""

        init(box: Box) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                guard let head, let server = box.server.withLock({ $0 }) else { return }
                let (status, text) = server.answer(method: head.method, uri: head.uri, headers: head.headers, body: body)
                let bytes = context.channel.allocator.buffer(string: text)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(bytes.readableBytes)")
                headers.add(name: "Content-Type", value: text.hasPrefix("{") ? "application/json" : "text/plain")
                let responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
