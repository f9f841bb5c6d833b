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
///
/// Automatic pipelining: commands are encoded into one outbound buffer as they are written, and a flush
/// waits for the end of the event-loop tick, so every command issued during a tick leaves in one write
/// and one system call. Deadlines share one timer, armed for the earliest and re-armed when it fires.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>?
        var deadline: NIODeadline?
        /// The command's name, spelled out only if it times out.
        var name: RedisArgument?
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var closedError: RedisError?
    /// Commands encoded since the last write, and how many.
    private var outbound: ByteBuffer?
    private var outboundCommands = 0
    private var outboundPromise: EventLoopPromise<Void>?
    private var flushScheduled = false
    /// The deadline timer and the deadline it is armed for.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private weak var context: ChannelHandlerContext?
    /// Told how many commands each write carried (tests and benchmarks count flushes with it).
    private let instrumentation: (any RedisClientInstrumentation)?
    /// Receives push messages; set for subscriber connections and RESP3 invalidation messages.
    var onPush: (@Sendable (RESPValue) -> Void)?
    /// A subscriber connection: every inbound value is a push.
    var subscriberMode = false

    init(instrumentation: (any RedisClientInstrumentation)? = nil) {
        self.instrumentation = instrumentation
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise?.fail(closedError)
            writePromise?.fail(closedError)
            return
        }
        var buffer = outbound ?? context.channel.allocator.buffer(capacity: 256)
        outbound = nil  // keeps the buffer uniquely referenced while it grows
        RESPEncoder.encodeCommand(request.arguments, into: &buffer)
        outbound = buffer
        outboundCommands += 1
        if let writePromise {
            if let outboundPromise { outboundPromise.futureResult.cascade(to: writePromise) } else { outboundPromise = writePromise }
        }
        if let promise = request.promise {
            pending.append(Pending(promise: promise, deadline: request.deadline, name: request.arguments.first))
            if let deadline = request.deadline, timerDeadline.map({ deadline < $0 }) ?? true { armTimer(for: deadline) }
        }
    }

    /// Defers the flush to the end of this event-loop tick, so commands written meanwhile join it.
    func flush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, let context = self.context else { return }
            self.flushScheduled = false
            self.writeOutbound(context: context)
        }
    }

    private func writeOutbound(context: ChannelHandlerContext) {
        guard let buffer = outbound, outboundCommands > 0 else { return }
        let commands = outboundCommands
        let promise = outboundPromise
        outbound = nil
        outboundCommands = 0
        outboundPromise = nil
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        instrumentation?.flushed(commands: commands)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Commands already accepted go out before the close (QUIT-like orderly shutdown).
        if mode == .all { writeOutbound(context: context) }
        context.close(mode: mode, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if subscriberMode || Self.isPush(value) {
            onPush?(value)
            return
        }
        guard let entry = pending.popFirst() else {
            context.fireErrorCaught(RedisError.protocolError("a reply arrived with no command waiting for it"))
            return
        }
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

    // MARK: Deadlines

    private func armTimer(for deadline: NIODeadline) {
        guard let context else { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.deadlinePassed()
        }
    }

    /// Fails every command whose deadline has passed (their replies, when they come, are dropped) and
    /// re-arms the timer for the earliest deadline left.
    private func deadlinePassed() {
        timer = nil
        timerDeadline = nil
        let now = NIODeadline.now()
        var earliest: NIODeadline?
        for index in pending.indices {
            guard pending[index].promise != nil, let deadline = pending[index].deadline else { continue }
            if deadline <= now {
                let promise = pending[index].promise
                pending[index].promise = nil
                promise?.fail(RedisError.timeout(pending[index].name.map(Self.describe) ?? "?"))
            } else if earliest.map({ deadline < $0 }) ?? true {
                earliest = deadline
            }
        }
        if let earliest { armTimer(for: earliest) }
    }

    private func failAll(_ error: RedisError) {
        if closedError == nil { closedError = error }
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        outboundPromise?.fail(error)
        outboundPromise = nil
        outbound = nil
        outboundCommands = 0
        while let entry = pending.popFirst() {
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
