import BulwarkConfig
@testable import BulwarkGateway
import CoreMetrics
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Resilience

/// The gateway's client pipeline (head timer, HTTP/1.1 server codec, ``ProxyServerHandler``) on an
/// `EmbeddedChannel`, with upstream connections in memory: no socket, and time moves only when the test
/// advances the embedded loop (the handler reads that loop's clock).
final class EmbeddedGateway {
    let loop: EmbeddedEventLoop
    let transport: InMemoryUpstreams
    let runtime: GatewayRuntime
    private let clientChannel: EmbeddedChannel
    private var output: [UInt8] = []

    init(yaml: String, configure: (inout BulwarkConfiguration) -> Void = { _ in }) throws {
        var configuration = try BulwarkConfiguration.parse(yaml: yaml)
        configuration.server.accessLog = .off
        configure(&configuration)
        let loop = EmbeddedEventLoop()
        self.loop = loop
        let transport = InMemoryUpstreams(loop: loop)
        self.transport = transport
        var logger = Logger(label: "embedded-gateway")
        logger.logLevel = .critical
        let runtime = try GatewayRuntime(
            configuration: configuration, eventLoops: [loop], rateLimitBackend: .memory(InMemoryRateLimitStore()),
            metricsFactory: NOOPMetricsHandler.instance, logger: logger, transport: transport
        )
        self.runtime = runtime
        let server = configuration.server
        let client = EmbeddedChannel(loop: loop)
        // Connected first, as an accepted connection is, so the handler sees the peer's address.
        client.connect(to: try SocketAddress(ipAddress: "192.0.2.1", port: 40000), promise: nil)
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = server.maxHeaderBytes
        limits.maxHeaderFieldSize = server.maxHeaderBytes
        let headTimer = RequestHeadTimer(timeout: .nanoseconds(server.headerTimeout.nanoseconds))
        let pipeline = client.pipeline.syncOperations
        try pipeline.addHandler(headTimer)
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(ProxyServerHandler(runtime: runtime, headTimer: headTimer, clock: { loop.now.uptimeNanoseconds }))
        clientChannel = client
    }

    var isClosed: Bool { !clientChannel.isActive }

    /// The client sends `text`.
    func send(_ text: String) throws {
        try clientChannel.writeInbound(ByteBuffer(string: text))
        loop.run()
    }

    /// Everything the client has received so far.
    var received: String {
        while let part = try? clientChannel.readOutbound(as: IOData.self) {
            switch part {
            case .byteBuffer(let buffer): output += buffer.readableBytesView
            case .fileRegion: break
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Fires `event` down the client's pipeline (as the head timer or a drain does).
    func fire(_ event: Any) {
        clientChannel.pipeline.syncOperations.fireUserInboundEventTriggered(event)
        loop.run()
    }

    /// Moves the embedded clock (and runs the timers due).
    func advance(by amount: TimeAmount) {
        loop.advanceTime(by: amount)
    }

    /// The requests each upstream connection got so far, as text.
    var upstreamRequests: [String] { transport.requests() }

    /// Answers the oldest unanswered upstream request with `response`; false when none waits.
    @discardableResult
    func answerUpstream(_ response: String) throws -> Bool {
        let answered = try transport.answerOldest(response)
        loop.run()
        return answered
    }

    func shutdown() {
        _ = try? clientChannel.finish(acceptAlreadyClosed: true)
        transport.finish()
        loop.run()
        try? loop.syncShutdownGracefully()
    }
}

/// Upstream connections as `EmbeddedChannel`s on the test's loop, recording what the gateway sends.
final class InMemoryUpstreams: UpstreamTransport, @unchecked Sendable {
    let loop: EmbeddedEventLoop
    private var channels: [EmbeddedChannel] = []
    private var sent: [ObjectIdentifier: [UInt8]] = [:]
    private var answered: [ObjectIdentifier: Int] = [:]

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

    private func collect() {
        for channel in channels {
            while let part = try? channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = part { sent[ObjectIdentifier(channel), default: []] += buffer.readableBytesView }
            }
        }
    }

    /// Request heads are counted by their request lines (the tests send no bodies that look like one).
    private static func requestCount(_ text: String) -> Int {
        text.components(separatedBy: " HTTP/1.1\r\n").count - 1
    }

    func requests() -> [String] {
        collect()
        return channels.map { String(decoding: sent[ObjectIdentifier($0)] ?? [], as: UTF8.self) }
    }

    func answerOldest(_ response: String) throws -> Bool {
        collect()
        for channel in channels where channel.isActive {
            let id = ObjectIdentifier(channel)
            let requests = Self.requestCount(String(decoding: sent[id] ?? [], as: UTF8.self))
            if answered[id, default: 0] < requests {
                answered[id, default: 0] += 1
                try channel.writeInbound(ByteBuffer(string: response))
                return true
            }
        }
        return false
    }

    func finish() {
        for channel in channels { _ = try? channel.finish(acceptAlreadyClosed: true) }
    }
}
