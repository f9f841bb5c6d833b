import BulwarkDemo
import BulwarkTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// An upstream that keeps every request it saw (method, URI and every header field as received) and
/// answers 200 `app:<name>`, or the status `status(for:)` picks.
final class AuthUpstream: Sendable {
    let server: DemoUpstream
    private let log: Log

    final class Log: Sendable {
        let requests = Mutex<[DemoRequest]>([])
    }

    private init(server: DemoUpstream, log: Log) {
        self.server = server
        self.log = log
    }

    var port: Int { server.port }
    var all: [DemoRequest] { log.requests.withLock { $0 } }
    var last: DemoRequest? { all.last }
    var count: Int { all.count }

    static func start(name: String = "app", status: @escaping @Sendable (DemoRequest) -> Int = { _ in 200 }) async throws -> AuthUpstream {
        let log = Log()
        let server = try await DemoUpstream.start { request in
            log.requests.withLock { $0.append(request) }
            return DemoReply(status: status(request), body: "app:\(name)")
        }
        return AuthUpstream(server: server, log: log)
    }

    func stop() async { await server.stop() }
}

extension DemoRequest {
    /// Every value of header `name` (case-insensitive; `_` and `-` read alike when `loose`).
    func values(_ name: String, loose: Bool = false) -> [String] {
        func norm(_ text: String) -> String {
            let lower = text.lowercased()
            return loose ? lower.replacingOccurrences(of: "_", with: "-") : lower
        }
        return headers.filter { norm($0.name) == norm(name) }.map(\.value)
    }
}

/// What a 401 from the gateway must look like, whatever the reason: RFC 6750 challenge, a problem
/// document naming the reason, and never the token.
func expectUnauthorized(
    _ response: RawResponse, reason: String, token: String?, error: String = "invalid_token",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == 401, "reason \(reason): got \(response.status) \(response.body)", sourceLocation: sourceLocation)
    let challenge = response.header("WWW-Authenticate") ?? ""
    #expect(challenge.hasPrefix("Bearer "), "WWW-Authenticate: \(challenge)", sourceLocation: sourceLocation)
    #expect(challenge.contains("error=\"\(error)\""), "WWW-Authenticate: \(challenge)", sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
    let object = (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
    #expect(object?["reason"] as? String == reason, "body: \(response.body)", sourceLocation: sourceLocation)
    #expect(object?["status"] as? Int == 401, sourceLocation: sourceLocation)
    #expect((object?["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    if let token, token.count > 8 {
        // Neither the whole token nor any of its three parts (a header or payload part alone is enough to
        // read the claims).
        let pieces = [token] + token.split(separator: ".").map(String.init).filter { $0.count > 8 }
        let headerText = response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        let echoed = pieces.filter { response.body.contains($0) || headerText.contains($0) }
        #expect(echoed.isEmpty, "the answer echoes the token: \(response.body)", sourceLocation: sourceLocation)
    }
}

/// A bearer `Authorization` field.
func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }

/// A temporary directory removed when the value is dropped.
final class ScratchDirectory: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Writes `text` to `url` atomically (a rename, as deploy tools do), so a poller never reads half a file.
func writeAtomically(_ text: String, to url: URL) throws {
    try text.write(to: url, atomically: true, encoding: .utf8)
}

/// A local JWKS endpoint on 127.0.0.1: `GET` any path answers the current document and counts it.
final class JWKSEndpoint: Sendable {
    private struct State {
        var document: String
        var failure: Int?
        var requests = 0
    }

    let port: Int
    private let channel: any Channel
    private let state: Mutex<State>

    var url: String { "http://127.0.0.1:\(port)/.well-known/jwks.json" }
    var requests: Int { state.withLock { $0.requests } }

    private init(port: Int, channel: any Channel, document: String) {
        self.port = port
        self.channel = channel
        state = Mutex(State(document: document))
    }

    /// Answers `document` from now on.
    func serve(_ document: String) { state.withLock { $0.document = document; $0.failure = nil } }
    /// Answers `status` with an empty body from now on (the identity provider is down).
    func fail(status: Int) { state.withLock { $0.failure = status } }

    static func start(document: String) async throws -> JWKSEndpoint {
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
        let endpoint = JWKSEndpoint(port: channel.localAddress?.port ?? 0, channel: channel, document: document)
        box.endpoint.withLock { $0 = endpoint }
        return endpoint
    }

    func stop() async { try? await channel.close() }

    fileprivate func answer() -> (HTTPResponseStatus, String) {
        state.withLock { state in
            state.requests += 1
            if let failure = state.failure { return (HTTPResponseStatus(statusCode: failure), "") }
            return (.ok, state.document)
        }
    }

    private final class Box: Sendable {
        let endpoint = Mutex<JWKSEndpoint?>(nil)
    }

    private final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let box: Box
        init(box: Box) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            let (status, body) = box.endpoint.withLock { $0 }?.answer() ?? (.serviceUnavailable, "")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
