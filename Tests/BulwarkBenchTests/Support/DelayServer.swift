import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback HTTP/1.1 server for load tests with a known answer time: request `n` (counted over all
/// connections) is answered `delays[n % delays.count]` after it arrived, and optionally every answer is
/// held during a stall window. Answers are `200 ok`, or `status` when set.
final class DelayServer: Sendable {
    struct Behaviour: Sendable {
        var delays: [TimeAmount] = [.zero]
        /// A window, relative to the first request, during which no answer leaves (they leave at its end).
        var stall: (after: TimeAmount, length: TimeAmount)?
        var status = 200
        /// Close the connection after this many answers on it (nil: keep alive).
        var closeAfter: Int?
        /// Close every connection as soon as it is accepted, without reading.
        var dropConnections = false
    }

    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let state: NIOLockedValueBox<(count: Int, first: NIODeadline?)>
    private let answerTimes: NIOLockedValueBox<[TimeAmount]>

    /// Requests received so far.
    var requests: Int { state.withLockedValue { $0.count } }

    /// Connections accepted so far.
    var connections: Int { accepted.withLockedValue { $0 } }
    private let accepted = NIOLockedValueBox(0)

    /// How long each answered request actually took the server, from reading it to writing the answer
    /// (its timers may fire later than asked on a busy machine): the truth a client's figures are judged by.
    var actualAnswerTimes: [TimeAmount] { answerTimes.withLockedValue { $0 } }

    init(_ behaviour: Behaviour) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox<(count: Int, first: NIODeadline?)>((0, nil))
        let answerTimes = NIOLockedValueBox<[TimeAmount]>([])
        self.group = group
        self.state = state
        self.answerTimes = answerTimes
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [accepted] channel in
                accepted.withLockedValue { $0 += 1 }
                if behaviour.dropConnections { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour, state: state, answerTimes: answerTimes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        let state: NIOLockedValueBox<(count: Int, first: NIODeadline?)>
        let answerTimes: NIOLockedValueBox<[TimeAmount]>
        var received = ByteBuffer()
        var answered = 0
        /// Answers leave in order: each no earlier than the previous one.
        var lastDue = NIODeadline.uptimeNanoseconds(0)

        init(behaviour: Behaviour, state: NIOLockedValueBox<(count: Int, first: NIODeadline?)>, answerTimes: NIOLockedValueBox<[TimeAmount]>) {
            self.behaviour = behaviour
            self.state = state
            self.answerTimes = answerTimes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            while let end = received.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
                received.moveReaderIndex(to: end.upperBound)
                let now = NIODeadline.now()
                let (index, first) = state.withLockedValue { value -> (Int, NIODeadline) in
                    if value.first == nil { value.first = now }
                    value.count += 1
                    return (value.count - 1, value.first!)
                }
                var due = now + behaviour.delays[index % behaviour.delays.count]
                if let stall = behaviour.stall {
                    let from = first + stall.after
                    let to = from + stall.length
                    if due >= from && due < to { due = to }
                }
                due = max(due, lastDue)
                lastDue = due
                answered += 1
                let close = behaviour.closeAfter.map { answered >= $0 } ?? false
                let body = "ok"
                let head = "HTTP/1.1 \(behaviour.status) X\r\nContent-Length: \(body.utf8.count)\r\n\(close ? "Connection: close\r\n" : "")\r\n\(body)"
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let answerTimes = self.answerTimes
                context.eventLoop.scheduleTask(deadline: due) {
                    let context = loopBound.value
                    answerTimes.withLockedValue { $0.append(NIODeadline.now() - now) }
                    context.writeAndFlush(NIOAny(ByteBuffer(string: head)), promise: nil)
                    if close { context.close(promise: nil) }
                }
            }
            received.discardReadBytes()
        }
    }
}
