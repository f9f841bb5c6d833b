import NIOCore
import NIOSSL
import NIOTLS
import X509

/// Sits behind the `NIOSSLClientHandler` of a new upstream connection until the handshake ends, so a
/// connection is handed out only once TLS is up: ``done`` succeeds on `handshakeCompleted` (and the
/// handler leaves the pipeline), or fails with a ``TLSHandshakeFailure`` (the refused certificate's
/// reason, a name mismatch, a timeout, a close) and the channel is closed. Callers report that failure
/// as a connect failure. Only touched on its channel's event loop.
final class UpstreamTLSHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// Completes when the handshake ends.
    var done: EventLoopFuture<Void> { promise.futureResult }

    private let promise: EventLoopPromise<Void>
    private let verifiedName: String
    /// A host name the target's certificate must list among its DNS names (nil: none checked here).
    private let requiredDNSName: String?
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var refused: TLSHandshakeFailure.Reason?
    private var finished = false

    init(verifiedName: String, requiredDNSName: String? = nil, timeout: TimeAmount, eventLoop: any EventLoop) {
        self.verifiedName = verifiedName
        self.requiredDNSName = requiredDNSName
        self.timeout = timeout
        self.promise = eventLoop.makePromise()
    }

    /// BoringSSL refused a certificate of the target's chain, for this reason (the handshake fails next).
    func certificateRefused(_ reason: TLSHandshakeFailure.Reason) {
        if refused == nil { refused = reason }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, !finished {
            if let name = requiredDNSName, !Self.certificate(in: context, lists: name) {
                return fail(.nameMismatch(name), context: context)
            }
            finished = true
            timer?.cancel()
            promise.succeed()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !finished else { return context.fireErrorCaught(error) }
        fail(refused ?? TLSHandshakeFailure.reason(for: error, verifiedName: verifiedName), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished { fail(refused ?? .closed, context: context) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The channel went away before the handshake ended (a failed TCP connect closes it too).
        if !finished {
            finished = true
            timer?.cancel()
            promise.fail(TLSHandshakeFailure(refused ?? .closed))
        }
    }

    /// Whether the peer's leaf certificate lists `name` among its DNS names (wildcards as RFC 6125).
    private static func certificate(in context: ChannelHandlerContext, lists name: String) -> Bool {
        guard let peer = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
              let leaf = try? Certificate(derEncoded: peer.toDERBytes()),
              let names = try? leaf.extensions.subjectAlternativeNames
        else { return false }
        let dnsNames = names.compactMap { if case .dnsName(let dns) = $0 { dns } else { nil } }
        return CertificateNames.matches(any: dnsNames, host: name)
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil, !finished else { return }
        let timeout = self.timeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(.timedOut(milliseconds: timeout.nanoseconds / 1_000_000), context: context)
        }
    }

    private func fail(_ reason: TLSHandshakeFailure.Reason, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        promise.fail(TLSHandshakeFailure(reason))
        context.close(promise: nil)
    }
}
