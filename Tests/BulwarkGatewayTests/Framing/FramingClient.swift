import NIOCore
import NIOPosix

/// What a raw client saw on one connection.
struct ClientTranscript: Sendable {
    var bytes: [UInt8]
    /// The gateway closed the connection (FIN or reset) before the client gave up.
    var closedByGateway: Bool
    /// The responses read strictly, interim ones included.
    var responses: [WireResponse]
    /// Why reading stopped before the last byte (nil when every byte belonged to a response).
    var problem: WireError?

    var firstFinal: WireResponse? { responses.first { !$0.isInterim } }

    var summary: String {
        let statuses = responses.map { String($0.status) }.joined(separator: ", ")
        var text = "responses [\(statuses)]\(closedByGateway ? ", then closed" : ", connection left open")"
        if let problem { text += ", unreadable rest (\(problem))" }
        return text + ": \(WireBytes.escaped(bytes, limit: 400))"
    }
}

/// Sends exact bytes on a fresh loopback connection and reads what comes back: until the gateway closes,
/// or — once a complete final response that does not announce a close has arrived — until nothing more
/// comes for `grace`, and never past `limit`.
enum FramingClient {
    static func exchange(
        _ request: [UInt8], port: Int, methods: [String], limit: Duration = .seconds(3), grace: Duration = .milliseconds(150)
    ) async throws -> ClientTranscript {
        let log = ByteLog()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ClientRecorder(log: log)) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        let deadline = ContinuousClock.now + limit
        var seen = log.snapshot
        while !seen.closed, ContinuousClock.now < deadline {
            let (responses, problem) = WireResponse.parseAll(seen.bytes, methods: methods, atEnd: false, .upstream)
            if case .invalid = problem { break }
            let settled = problem == nil && responses.contains { !$0.isInterim }
            let announcedClose = responses.contains { response in
                !response.isInterim && WireParser.listElements(response.values("connection")).contains { $0.lowercased() == "close" }
            }
            if settled && !announcedClose {
                await log.waitForChange(after: seen.version, until: min(deadline, ContinuousClock.now + grace))
                let next = log.snapshot
                if next.version == seen.version { break }
                seen = next
                continue
            }
            await log.waitForChange(after: seen.version, until: deadline)
            seen = log.snapshot
        }
        log.markClosingLocally()
        try? await channel.close()
        let (responses, problem) = WireResponse.parseAll(seen.bytes, methods: methods, atEnd: seen.closed, .upstream)
        return ClientTranscript(bytes: seen.bytes, closedByGateway: seen.closed, responses: responses, problem: problem)
    }
}

private final class ClientRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let log: ByteLog

    init(log: ByteLog) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        log.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.markClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // a reset counts as the gateway closing
    }
}
