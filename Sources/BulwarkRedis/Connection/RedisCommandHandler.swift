import NIOCore

/// A command on its way to the server, with the promise its reply completes.
struct RedisRequest {
    var arguments: [RedisArgument]
    var promise: EventLoopPromise<RESPValue>?
    var deadline: NIODeadline?
}

/// Matches replies to commands in order, so that any number of commands can be in flight on one
/// connection (pipelining). Push messages (RESP3 `>`, or every message of a subscriber connection) go to
/// `onPush`. A command whose deadline passes fails with ``RedisError/timeout(_:)``; its reply, when it
/// comes, is dropped. A protocol error fails every pending command and closes the connection.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let id: UInt64
        var promise: EventLoopPromise<RESPValue>?
        var timer: Scheduled<Void>?
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var nextID: UInt64 = 0
    private var closedError: RedisError?
    /// Receives push messages; set for subscriber connections and RESP3 invalidation messages.
    var onPush: (@Sendable (RESPValue) -> Void)?
    /// A subscriber connection: every inbound value is a push.
    var subscriberMode = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise?.fail(closedError)
            writePromise?.fail(closedError)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPEncoder.encodeCommand(request.arguments, into: &buffer)
        if let promise = request.promise {
            let id = nextID
            nextID &+= 1
            var entry = Pending(id: id, promise: promise)
            if let deadline = request.deadline {
                let name = request.arguments.first.map(Self.describe) ?? "?"
                entry.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
                    self?.expire(id, command: name)
                }
            }
            pending.append(entry)
        }
        context.write(wrapOutboundOut(buffer), promise: writePromise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if subscriberMode || Self.isPush(value) {
            onPush?(value)
            return
        }
        guard !pending.isEmpty else {
            context.fireErrorCaught(RedisError.protocolError("a reply arrived with no command waiting for it"))
            return
        }
        let entry = pending.removeFirst()
        entry.timer?.cancel()
        entry.promise?.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: RedisError = (error as? RESPParseError).map { .protocolError($0.description) }
            ?? (error as? RedisError) ?? .connectionClosed(String(describing: error))
        failAll(failure)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func expire(_ id: UInt64, command: String) {
        guard let index = pending.firstIndex(where: { $0.id == id }) else { return }
        let promise = pending[index].promise
        pending[index].promise = nil
        promise?.fail(RedisError.timeout(command))
    }

    private func failAll(_ error: RedisError) {
        if closedError == nil { closedError = error }
        while let entry = pending.popFirst() {
            entry.timer?.cancel()
            entry.promise?.fail(error)
        }
    }

    private static func isPush(_ value: RESPValue) -> Bool {
        if case .push = value { return true }
        return false
    }

    static func describe(_ argument: RedisArgument) -> String {
        switch argument.storage {
        case .string(let text): text.uppercased()
        case .bytes(let bytes): String(buffer: bytes).uppercased()
        }
    }
}
