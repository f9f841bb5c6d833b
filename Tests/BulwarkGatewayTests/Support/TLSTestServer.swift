import BulwarkDemo
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// A small HTTPS/1.1 upstream for tests: NIOSSL with a certificate from a test CA, on a loopback port.
/// It answers every request `200 hello over tls` and records what the gateway sent: the `Host` of each
/// request, the SNI name of each handshake, the subject of the client certificate (mutual TLS), and how
/// many connections it accepted.
final class TLSTestServer: Sendable {
    /// What the server saw.
    struct Seen: Sendable {
        var hosts: [String] = []
        var serverNames: [String?] = []
        var clientSubjects: [String] = []
        var connections = 0
    }

    let port: Int
    private let channel: any Channel
    private let recorder: Recorder

    /// Everything recorded so far.
    var seen: Seen { recorder.state.withLock { $0 } }

    private init(port: Int, channel: any Channel, recorder: Recorder) {
        self.port = port
        self.channel = channel
        self.recorder = recorder
    }

    /// Starts a server presenting `certificate` on `address` (default 127.0.0.1, any port).
    /// - Parameter clientCA: when set, clients must present a certificate this CA issued.
    static func start(certificate: IssuedCertificate, clientCA: String? = nil, host: String = "127.0.0.1") async throws -> TLSTestServer {
        let recorder = Recorder()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificate.chainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
        )
        if let clientCA {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCA.utf8)))
        }
        configuration.sslContextCallback = { values, promise in
            recorder.state.withLock { $0.serverNames.append(values.serverHostname) }
            promise.succeed(.noChanges)
        }
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                recorder.state.withLock { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    let tls = NIOSSLServerHandler(context: context)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(recorder: recorder, tls: tls))
                }
            }
            .bind(host: host, port: 0).get()
        return TLSTestServer(port: channel.localAddress?.port ?? 0, channel: channel, recorder: recorder)
    }

    func stop() async {
        try? await channel.close()
    }

    final class Recorder: Sendable {
        let state = Mutex(Seen())
    }

    /// Records each request and answers it.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let recorder: Recorder
        let tls: NIOSSLServerHandler
        private var subjectRecorded = false

        init(recorder: Recorder, tls: NIOSSLServerHandler) {
            self.recorder = recorder
            self.tls = tls
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                let subject = subjectRecorded ? nil : tls.peerCertificate.flatMap { certificate in
                    (try? certificate.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) }?.subject.description
                }
                subjectRecorded = true
                recorder.state.withLock { seen in
                    seen.hosts.append(head.headers["Host"].first ?? "")
                    if let subject { seen.clientSubjects.append(subject) }
                }
            case .body:
                break
            case .end:
                let body = context.channel.allocator.buffer(string: "hello over tls")
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
