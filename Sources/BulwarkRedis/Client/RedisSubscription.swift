import NIOCore
import Synchronization

/// A message received on a subscribed channel.
public struct RedisMessage: Sendable, Hashable {
    /// The channel it was published to.
    public var channel: String
    /// The pattern that matched, for pattern subscriptions.
    public var pattern: String?
    /// The payload.
    public var payload: ByteBuffer

    /// The payload as UTF-8 text.
    public var text: String { String(buffer: payload) }
}

/// A subscription on its own connection (a subscribed connection can run no other commands). Iterate it
/// for messages; the sequence ends when the subscription is closed and throws when the connection drops.
///
/// ```swift
/// let subscription = try await redis.subscribe(to: ["bulwark:cache:invalidate"])
/// for try await message in subscription { cache.remove(message.text) }
/// ```
public final class RedisSubscription: AsyncSequence, Sendable {
    public typealias Element = RedisMessage

    let connection: RedisConnection
    let stream: AsyncThrowingStream<RedisMessage, any Error>
    let confirmations: Confirmations

    init(connection: RedisConnection, stream: AsyncThrowingStream<RedisMessage, any Error>, confirmations: Confirmations) {
        self.connection = connection
        self.stream = stream
        self.confirmations = confirmations
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<RedisMessage, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Unsubscribes and closes the connection; iteration ends.
    public func close() async {
        confirmations.closedFlag.withLock { $0 = true }
        await connection.close()
    }
}

extension RedisClient {
    /// Subscribes to `channels` (and `patterns`) on a dedicated connection, returning once the server has
    /// confirmed every subscription, so that a message published afterwards is received.
    public func subscribe(to channels: [String], patterns: [String] = []) async throws -> RedisSubscription {
        let (stream, continuation) = AsyncThrowingStream<RedisMessage, any Error>.makeStream()
        let confirmations = Confirmations(expected: channels.count + patterns.count)
        let connection = try await RedisConnection.connect(
            configuration: configuration, group: group, subscriber: true,
            onPush: { value in
                guard let parts = value.array, let kind = parts.first?.string?.lowercased() else { return }
                switch kind {
                case "message" where parts.count == 3:
                    if case .bulkString(let payload) = parts[2] {
                        continuation.yield(RedisMessage(channel: parts[1].string ?? "", pattern: nil, payload: payload))
                    }
                case "pmessage" where parts.count == 4:
                    if case .bulkString(let payload) = parts[3] {
                        continuation.yield(RedisMessage(channel: parts[2].string ?? "", pattern: parts[1].string, payload: payload))
                    }
                case "subscribe", "psubscribe":
                    confirmations.confirm()
                default:
                    break
                }
            }
        )
        connection.channel.closeFuture.whenComplete { _ in
            continuation.finish(throwing: confirmations.closedByUs ? nil : RedisError.connectionClosed("the subscription's connection closed"))
        }
        do {
            if !channels.isEmpty { try await connection.sendWithoutReply(["SUBSCRIBE"] + channels.map { RedisArgument($0) }) }
            if !patterns.isEmpty { try await connection.sendWithoutReply(["PSUBSCRIBE"] + patterns.map { RedisArgument($0) }) }
            try await confirmations.wait(timeout: configuration.commandTimeout)
        } catch {
            await connection.close()
            throw error
        }
        return RedisSubscription(connection: connection, stream: stream, confirmations: confirmations)
    }
}

/// Counts subscription confirmations and wakes the subscriber when all have arrived.
final class Confirmations: Sendable {
    private struct State {
        var confirmed = 0
        var waiter: CheckedContinuation<Void, any Error>?
        var done = false
    }

    private let expected: Int
    private let state = Mutex(State())
    let closedFlag = Mutex(false)
    var closedByUs: Bool { closedFlag.withLock { $0 } }

    init(expected: Int) { self.expected = expected }

    func confirm() {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            state.confirmed += 1
            guard state.confirmed >= expected, !state.done else { return nil }
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async throws {
        let timer = Task {
            try await ContinuousClock().sleep(for: timeout)
            self.fail(RedisError.timeout("SUBSCRIBE"))
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func fail(_ error: any Error) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }
}
