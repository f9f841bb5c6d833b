import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback socket that listens and never accepts: the kernel completes the TCP handshake, then
/// nothing is ever said. A client waiting for a greeting (PostgreSQL's, TLS's, HTTP's) waits forever.
final class SilentListener: Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard fd >= 0, listening else {
            close(fd)
            throw ProbeTestError("cannot listen on a loopback port")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

/// A test precondition that did not hold.
struct ProbeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A small HTTPS/1.1 server on a loopback port presenting a certificate from PEM files: answers every
/// request with `status` and records each request's `Host`.
final class HTTPSTestServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let hosts = Mutex<[String]>([])

    /// The `Host` of each request so far.
    var seenHosts: [String] { hosts.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    static func start(certificatePath: String, keyPath: String, status: HTTPResponseStatus = .ok) async throws -> HTTPSTestServer {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let recorder = Mutex<HTTPSTestServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(Responder(status: status) { host in
                        recorder.withLock { $0 }?.hosts.withLock { $0.append(host) }
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = HTTPSTestServer(port: channel.localAddress?.port ?? 0, channel: channel)
        recorder.withLock { $0 = server }
        return server
    }

    func stop() async {
        try? await channel.close()
    }

    /// Answers each request with a small body once it has been read.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let status: HTTPResponseStatus
        let seen: @Sendable (String) -> Void

        init(status: HTTPResponseStatus, seen: @escaping @Sendable (String) -> Void) {
            self.status = status
            self.seen = seen
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                seen(head.headers["Host"].first ?? "")
            case .body:
                break
            case .end:
                let body = context.channel.allocator.buffer(string: "hello over tls")
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

/// Runs `body` and returns its result with the time it took.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    return (result, clock.now - start)
}
