import BulwarkConfig
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// The handlers a client connection gets, by protocol. Every request, whether an HTTP/1.1 message or an
/// HTTP/2 stream, ends in a ``ProxyServerHandler`` and so goes through the same machines.
///
/// - Plain HTTP: HTTP/1.1, or (with `server.http2.h2c`) whichever the first bytes say
///   (``HTTP2PrefaceDetector``).
/// - HTTPS: the TLS handlers, then whichever protocol ALPN chose (`h2`, else HTTP/1.1).
enum ClientPipeline {
    /// Sets up a newly accepted connection with the settings in force now.
    static func configure(_ channel: any Channel, runtime: GatewayRuntime) throws {
        let server = runtime.configuration.server
        let pipeline = channel.pipeline.syncOperations
        guard let material = runtime.certificates.material else {
            if server.http2.enabled, server.http2.h2c {
                try pipeline.addHandler(HTTP2PrefaceDetector(timeout: .nanoseconds(server.headerTimeout.nanoseconds)) { channel, isHTTP2 in
                    try isHTTP2 ? configureHTTP2(channel, runtime: runtime, security: nil) : configureHTTP1(channel, runtime: runtime, security: nil)
                })
            } else {
                try configureHTTP1(channel, runtime: runtime, security: nil)
            }
            return
        }
        let security = ConnectionSecurity(hsts: server.hsts)
        try pipeline.addHandler(NIOSSLServerHandler(context: material.context))
        try pipeline.addHandler(TLSConnectionHandler(
            security: security, telemetry: runtime.certificates.telemetry,
            timeout: .nanoseconds(server.headerTimeout.nanoseconds)
        ))
        try pipeline.addHandler(ApplicationProtocolNegotiationHandler { result, channel in
            channel.eventLoop.makeCompletedFuture {
                if case .negotiated("h2") = result {
                    try configureHTTP2(channel, runtime: runtime, security: security)
                } else {
                    try configureHTTP1(channel, runtime: runtime, security: security)
                }
            }
        })
    }

    /// HTTP/1.1: the head timer, NIO's codec, and one ``ProxyServerHandler`` for the connection.
    static func configureHTTP1(_ channel: any Channel, runtime: GatewayRuntime, security: ConnectionSecurity?) throws {
        let server = runtime.configuration.server
        let pipeline = channel.pipeline.syncOperations
        let headTimer = RequestHeadTimer(timeout: .nanoseconds(server.headerTimeout.nanoseconds))
        try pipeline.addHandler(headTimer)
        // No pipelining assistant: it stops reading between requests (an epoll_ctl pair per request);
        // ProxyServerHandler queues pipelined requests itself.
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits(server)
        )
        try pipeline.addHandler(ProxyServerHandler(runtime: runtime, headTimer: headTimer, security: security))
    }

    /// HTTP/2: NIO's connection handler held to `server.http2` (see ``HTTP2ConnectionSettings``) behind a
    /// ``FlushCoalescer`` (one write per event-loop tick, not one per stream), the
    /// connection manager that closes it when idle or drained, a handler closing it after a connection
    /// error's GOAWAY, and per stream the HTTP/1 codec, the
    /// ``ResetStreamGuard`` and a ``ProxyServerHandler``.
    static func configureHTTP2(_ channel: any Channel, runtime: GatewayRuntime, security: ConnectionSecurity?) throws {
        let server = runtime.configuration.server
        let settings = HTTP2ConnectionSettings(server)
        let manager = NIOHTTP2ServerConnectionManagementHandler(eventLoop: channel.eventLoop, configuration: settings.management)
        let http2 = NIOHTTP2Handler(
            mode: .server, eventLoop: channel.eventLoop,
            connectionConfiguration: settings.connection, streamConfiguration: settings.stream,
            streamDelegate: manager.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let pipeline = stream.pipeline.syncOperations
                try pipeline.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try pipeline.addHandler(ResetStreamGuard())
                try pipeline.addHandler(ProxyServerHandler(runtime: runtime, security: security))
            }
        }
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTP2ConnectionErrorCloser(telemetry: runtime.http2Telemetry))
        try pipeline.addHandler(FlushCoalescer())
        try pipeline.addHandler(http2)
        try pipeline.addHandler(manager)
        // The manager starts its idle timer when the channel becomes active, which it already is.
        try pipeline.context(handler: http2).fireChannelActive()
        runtime.http2Telemetry.connectionStarted()
    }

    private static func decoderLimits(_ server: ServerSettings) -> NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = server.maxHeaderBytes
        limits.maxHeaderFieldSize = server.maxHeaderBytes
        return limits
    }
}
