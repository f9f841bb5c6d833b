import BulwarkConfig
@testable import BulwarkGateway
import CoreMetrics
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Resilience

/// The client request path: the input is fed, as one client's bytes, into the gateway's own channel
/// pipeline (head timer, HTTP/1.1 server codec, `ProxyServerHandler`) on an `EmbeddedChannel`. Upstream
/// connections are `EmbeddedChannel`s too (an in-memory ``UpstreamTransport``) that record every byte the
/// gateway sends and answer each request with `200 ok`. Then the clock is advanced past every timeout.
///
/// Checked for every input: no crash; what reached the upstreams parses as HTTP/1.1 requests without an
/// error (so it is framed unambiguously); there are no more of them than heads the client sent; each has
/// a canonical target and none carries a header of the trust boundary that the gateway does not set.
@_cdecl("LLVMFuzzerTestOneInput")
public func requestFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    RequestFuzzCase(bytes: bytes).run()
    return 0
}

private let configuration: BulwarkConfiguration = {
    var configuration = try! BulwarkConfiguration.parse(yaml: """
    server: { max_body_size: 64KiB }
    upstreams:
      app:
        targets: ["http://127.0.0.1:9", "http://127.0.0.2:9"]
        retry: { attempts: 2 }
    rate_limits:
      auth: { requests: 3, per: 1m }
    routes:
      - { path_prefix: /api/auth/login, methods: [POST], upstream: app, rate_limits: [auth] }
      - { path_prefix: /api, upstream: app }
    """)
    configuration.server.accessLog = .off
    return configuration
}()

/// Upstream connections that live in memory, on the fuzz case's loop.
private final class RecordingTransport: UpstreamTransport, @unchecked Sendable {
    let loop: EmbeddedEventLoop
    var channels: [EmbeddedChannel] = []

    init(loop: EmbeddedEventLoop) { self.loop = loop }

    func connect(to target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        let channel = EmbeddedChannel(loop: loop)
        do {
            try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: true)
            channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9), promise: nil)
        } catch {
            return loop.makeFailedFuture(error)
        }
        channels.append(channel)
        return loop.makeSucceededFuture(channel)
    }
}

private struct RequestFuzzCase {
    let bytes: [UInt8]

    func run() {
        let loop = EmbeddedEventLoop()
        let transport = RecordingTransport(loop: loop)
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let runtime = try! GatewayRuntime(
            configuration: configuration, eventLoops: [loop], rateLimitBackend: .memory(InMemoryRateLimitStore()),
            metricsFactory: NOOPMetricsHandler.instance, logger: logger, transport: transport
        )
        let server = EmbeddedChannel(loop: loop)
        let headTimer = RequestHeadTimer(timeout: .seconds(10))
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.server.maxHeaderBytes
        limits.maxHeaderFieldSize = configuration.server.maxHeaderBytes
        try! server.pipeline.syncOperations.addHandler(headTimer)
        try! server.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits
        )
        try! server.pipeline.syncOperations.addHandler(ProxyServerHandler(runtime: runtime, headTimer: headTimer))
        server.connect(to: try! SocketAddress(ipAddress: "192.0.2.1", port: 40000), promise: nil)

        // The client's bytes, in two reads split where the input says, so reads that end mid-head count.
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        for chunk in [bytes[..<split], bytes[split...]] where !chunk.isEmpty && server.isActive {
            _ = try? server.writeInbound(ByteBuffer(bytes: chunk))
        }
        var sent: [ObjectIdentifier: [UInt8]] = [:]
        var answered: [ObjectIdentifier: Int] = [:]
        for _ in 0..<64 {
            var progressed = false
            for channel in transport.channels {
                let id = ObjectIdentifier(channel)
                while let part = try? channel.readOutbound(as: ByteBuffer.self) {
                    sent[id, default: []] += Array(part.readableBytesView)
                    progressed = true
                }
                let requests = UpstreamBytes.requestCount(sent[id] ?? [])
                while (answered[id] ?? 0) < requests, channel.isActive {
                    answered[id, default: 0] += 1
                    _ = try? channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
                    progressed = true
                }
            }
            loop.run()
            if !progressed { break }
        }
        loop.advanceTime(by: .seconds(120))
        UpstreamBytes.check(sent.values, clientHeads: UpstreamBytes.headCount(bytes))
        server.close(promise: nil)
        for channel in transport.channels { _ = try? channel.finish(acceptAlreadyClosed: true) }
        _ = try? server.finish(acceptAlreadyClosed: true)
        loop.run()
        try? loop.syncShutdownGracefully()
    }
}

/// Reads what the gateway sent upstream with a fresh HTTP/1.1 request decoder.
private enum UpstreamBytes {
    static func parse(_ bytes: [UInt8]) -> (heads: [HTTPRequestHead], error: (any Error)?) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .fireError)))
        var error: (any Error)?
        do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch let caught { error = caught }
        var heads: [HTTPRequestHead] = []
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            if case .head(let head) = part { heads.append(head) }
        }
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return (heads, error)
    }

    static func requestCount(_ bytes: [UInt8]) -> Int { parse(bytes).heads.count }

    /// An upper bound on the request heads in the client's bytes: every blank line could end one.
    static func headCount(_ bytes: [UInt8]) -> Int {
        var count = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A || (bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A) { count += 1 }
            index += 1
        }
        return count
    }

    static func check(_ streams: some Collection<[UInt8]>, clientHeads: Int) {
        var total = 0
        for stream in streams {
            let (heads, error) = parse(stream)
            if let error { fatalError("the gateway sent an upstream bytes its own decoder rejects (\(error)): \(String(decoding: stream, as: UTF8.self).debugDescription)") }
            total += heads.count
            for head in heads {
                guard case .canonical(let canonical) = PathCanonicalizer.canonicalize(head.uri[...], escapes: .reject), canonical == head.uri else {
                    fatalError("non-canonical target sent upstream: \(head.uri.debugDescription)")
                }
                for name in TrustBoundary.alwaysRemoved where name != "x-real-ip" && head.headers.contains(name: name) {
                    fatalError("\(name) crossed the trust boundary")
                }
                if head.headers["X-Real-IP"].count != 1 || head.headers["Content-Length"].count > 1 {
                    fatalError("gateway-owned fields not set exactly once: \(head.headers)")
                }
            }
        }
        if total > clientHeads { fatalError("\(total) requests upstream from at most \(clientHeads) client heads") }
    }
}
