import NIOCore
import NIOHTTP1
import NIOPosix

/// One active health probe: a fresh connection through the proxy's own transport (TLS with the
/// upstream's context and SNI for `https://` targets, to the target's current address), `GET path`
/// with `Connection: close` and the `Host` requests get (``TargetState/hostOverride``), and the status
/// of the answer. 2xx and 3xx pass; anything else, a refused connection, a failed TLS handshake or no
/// answer within `timeout` fails.
enum HealthProbe {
    static func run(
        target: TargetState, path: String, timeout: TimeAmount, on eventLoop: any EventLoop
    ) -> EventLoopFuture<TargetState.ProbeResult> {
        let outcome = Outcome(promise: eventLoop.makePromise(), started: NIODeadline.now())
        let timer = eventLoop.scheduleTask(in: timeout) {
            outcome.complete(false, "no answer within \(timeout.nanoseconds / 1_000_000) ms")
        }
        TCPUpstreamTransport().connect(to: target, address: target.address, connectTimeout: timeout, on: eventLoop)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    do {
                        try channel.pipeline.syncOperations.addHandler(ProbeHandler(outcome: outcome))
                    } catch {
                        outcome.complete(false, "connection closed without an answer")
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: target.hostOverride ?? target.target.authority)
                    headers.add(name: "User-Agent", value: "bulwark-health-check")
                    headers.add(name: "Connection", value: "close")
                    channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                    outcome.promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error as TLSHandshakeFailure):
                    outcome.complete(false, error.description)
                case .failure(let error):
                    outcome.complete(false, "connect failed: \(ConnectFailureDescription.describe(error))")
                }
            }
        outcome.promise.futureResult.whenComplete { _ in timer.cancel() }
        return outcome.promise.futureResult
    }

    /// Completes the probe once, whichever of answer, error or timer comes first (all on one loop).
    final class Outcome: @unchecked Sendable {
        let promise: EventLoopPromise<TargetState.ProbeResult>
        let started: NIODeadline
        private var done = false

        init(promise: EventLoopPromise<TargetState.ProbeResult>, started: NIODeadline) {
            self.promise = promise
            self.started = started
        }

        func complete(_ passed: Bool, _ detail: String) {
            promise.futureResult.eventLoop.preconditionInEventLoop()
            guard !done else { return }
            done = true
            let latency = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - started.uptimeNanoseconds))
            promise.succeed(TargetState.ProbeResult(passed: passed, detail: detail, latency: latency))
        }
    }

    /// Completes the probe on the response head.
    final class ProbeHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let outcome: Outcome

        init(outcome: Outcome) { self.outcome = outcome }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            outcome.complete((200..<400).contains(head.status.code), "status \(head.status.code)")
        }

        func channelInactive(context: ChannelHandlerContext) {
            outcome.complete(false, "connection closed without an answer")
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            outcome.complete(false, ConnectFailureDescription.describe(error))
            context.close(promise: nil)
        }
    }
}
