import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local JWKS endpoint on 127.0.0.1 and a free port, for tests: `GET` any path answers the current
/// document (or the status set with ``fail(status:)``) and counts the request.
///
/// ```swift
/// let server = try await JWKSServer.start(document: TestKeys.jwks([key]))
/// defer { Task { await server.stop() } }
/// server.serve(TestKeys.jwks([key, newKey]))   // rotate
/// server.fail(status: 500)                     // the identity provider is down
/// server.requests                              // how many fetches arrived
/// ```
final class JWKSServer: Sendable {
    private struct State {
        var document: String
        var failure: Int?
        var requests = 0
    }

    /// The port bound.
    let port: Int
    private let channel: any Channel
    private let state: Mutex<State>

    /// The URL of the document.
    var url: String { "http://127.0.0.1:\(port)/.well-known/jwks.json" }
    /// How many requests arrived.
    var requests: Int { state.withLock { $0.requests } }

    private init(port: Int, channel: any Channel, document: String) {
        self.port = port
        self.channel = channel
        state = Mutex(State(document: document))
    }

    /// Answers `document` with 200 from now on.
    func serve(_ document: String) { state.withLock { $0.document = document; $0.failure = nil } }
    /// Answers `status` with an empty body from now on.
    func fail(status: Int) { state.withLock { $0.failure = status } }

    /// A server answering `document`.
    static func start(document: String) async throws -> JWKSServer {
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
        let server = JWKSServer(port: channel.localAddress?.port ?? 0, channel: channel, document: document)
        box.server.withLock { $0 = server }
        return server
    }

    /// Closes the listening socket.
    func stop() async {
        try? await channel.close()
    }

    /// The status and body of the next answer, counting the request.
    fileprivate func answer() -> (Int, String) {
        state.withLock { state in
            state.requests += 1
            if let failure = state.failure { return (failure, "") }
            return (200, state.document)
        }
    }

    /// Lets the handlers reach the server, which is made after the channel is bound.
    private final class Box: Sendable {
        let server = Mutex<JWKSServer?>(nil)
    }

    private final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let box: Box

        init(box: Box) {
            self.box = box
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            let (status, body) = box.server.withLock { $0 }?.answer() ?? (503, "")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
