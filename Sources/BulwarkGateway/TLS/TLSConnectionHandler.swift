import NIOCore
import NIOSSL
import NIOTLS
import X509

/// Sits after `NIOSSLServerHandler` on an HTTPS connection: when the handshake completes it records the
/// verified client certificate's subject in the connection's ``ConnectionSecurity``; when it fails it
/// counts the reason and closes the connection; when it has not completed within `timeout`
/// (`server.header_timeout`) it counts `handshake_timeout` and closes, so a client stalling mid-handshake
/// holds no connection longer than one stalling mid-head. Removes itself once the handshake is over.
final class TLSConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let security: ConnectionSecurity
    private let telemetry: TLSTelemetry
    private let timeout: TimeAmount
    private var handshakeDone = false
    private var timer: Scheduled<Void>?

    init(security: ConnectionSecurity, telemetry: TLSTelemetry, timeout: TimeAmount) {
        self.security = security
        self.telemetry = telemetry
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            guard !handler.handshakeDone else { return }
            handler.handshakeDone = true
            handler.telemetry.handshakeFailed(.handshakeTimeout)
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            handshakeDone = true
            // Only a certificate BoringSSL verified against `client_ca` gets this far (the listener
            // requires one when `client_ca` is set), so its subject can be passed on.
            if let peer = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
               let leaf = try? Certificate(derEncoded: peer.toDERBytes()) {
                security.clientSubject = leaf.subject.description
            }
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !handshakeDone else { return context.fireErrorCaught(error) }
        handshakeDone = true
        telemetry.handshakeFailed(ListenerHandshakeFailure.classify(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handshakeDone {
            handshakeDone = true
            telemetry.handshakeFailed(.clientClosed)
        }
        context.fireChannelInactive()
    }
}
