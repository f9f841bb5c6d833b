import Logging
import Metrics
import Resilience
import Synchronization

/// Invalidation messages between the instances that share one Redis, over pub/sub on one channel: a
/// cache purge, a revoked token. Each instance publishes what it invalidated locally and applies what
/// the others publish; messages usually arrive within milliseconds.
///
/// ```swift
/// let bus = InvalidationBus(redis: redis, instanceID: "gw-1")
/// bus.addListener(topic: "cache") { event in
///     if case .message(let message) = event { memory.remove(message.value) }
/// }
/// let running = Task { await bus.run() }        // until cancelled
/// try await bus.publish(topic: "cache", kind: "key", value: "user:42")
/// ```
///
/// Pub/sub is fire-and-forget: a message sent while an instance's subscription is down is lost to it. So
/// when the subscription comes back after a loss, listeners get ``InvalidationEvent/resynchronize`` and
/// should treat their local copies as suspect (a cache drops its memory tier). While Redis is down,
/// ``publish(topic:kind:value:)`` throws and ``run()`` retries with backoff; nothing blocks for longer
/// than the client's command timeout.
public final class InvalidationBus: Sendable {
    /// The pub/sub channel the instances share.
    public let channel: String
    /// This instance's id; its own messages are not delivered back to it.
    public let instanceID: String
    private let redis: RedisClient
    private let backoff: Backoff
    private let logger: Logger
    private let listeners = Mutex<[String: [@Sendable (InvalidationEvent) -> Void]]>([:])
    private let connected = Mutex(false)
    private let received: Counter
    private let published: Counter

    /// The channel used unless another is given.
    public static let defaultChannel = "bulwark:invalidate"

    /// A bus on `redis`.
    /// - Parameters:
    ///   - channel: the pub/sub channel; every instance that should see each other's messages uses the same.
    ///   - instanceID: unique per instance (no `|`, no line breaks); defaults to a random id.
    ///   - backoff: the wait between attempts to (re)subscribe.
    public init(
        redis: RedisClient,
        channel: String = InvalidationBus.defaultChannel,
        instanceID: String = InvalidationBus.randomInstanceID(),
        backoff: Backoff = .exponential(base: .milliseconds(100), maximum: .seconds(5)),
        logger: Logger = Logger(label: "bulwark.invalidation"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.redis = redis
        self.channel = channel
        self.instanceID = instanceID
        self.backoff = backoff
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        received = Counter(label: "bulwark_invalidation_messages_total", dimensions: [("direction", "received")], factory: factory)
        published = Counter(label: "bulwark_invalidation_messages_total", dimensions: [("direction", "published")], factory: factory)
    }

    /// A random 16-hex-digit instance id.
    public static func randomInstanceID() -> String {
        String(UInt64.random(in: .min ... .max), radix: 16)
    }

    /// Whether the subscription is up now.
    public var isConnected: Bool { connected.withLock { $0 } }

    /// Calls `handler` for every message on `topic` from another instance, and for every resynchronisation.
    /// Handlers run on the bus's task: keep them short and non-blocking.
    public func addListener(topic: String, _ handler: @escaping @Sendable (InvalidationEvent) -> Void) {
        listeners.withLock { $0[topic, default: []].append(handler) }
    }

    /// Publishes a message to the other instances.
    /// - Throws: the client's error when Redis cannot take it (the caller has applied it locally already;
    ///   the other instances miss it, as they would any message sent while they are disconnected).
    public func publish(topic: String, kind: String, value: String) async throws {
        let message = InvalidationMessage(topic: topic, kind: kind, value: value, origin: instanceID)
        try await redis.send("PUBLISH", RedisArgument(channel), RedisArgument(message.payload))
        published.increment()
    }

    /// Subscribes and delivers messages until the task is cancelled, re-subscribing with backoff whenever
    /// the subscription is lost.
    public func run() async {
        var failures = 0
        var lostBefore = false
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            do {
                let subscription = try await redis.subscribe(to: [channel])
                connected.withLock { $0 = true }
                if lostBefore {
                    logger.info("invalidation bus subscribed again; local copies are resynchronised", metadata: ["channel": "\(channel)"])
                    deliver(.resynchronize, topic: nil)
                }
                failures = 0
                try await withTaskCancellationHandler {
                    for try await message in subscription { handle(message.text) }
                } onCancel: {
                    Task { await subscription.close() }
                }
                await subscription.close()
            } catch {
                if !Task.isCancelled, failures == 0 {
                    logger.warning("invalidation bus lost its subscription: \(error); other instances' invalidations are missed until it is back", metadata: ["channel": "\(channel)"])
                }
            }
            connected.withLock { $0 = false }
            if Task.isCancelled { return }
            lostBefore = true
            failures += 1
            let delay = backoff.delay(attempt: failures, using: &random)
            try? await Task.sleep(for: delay)
        }
    }

    private func handle(_ payload: String) {
        guard let message = InvalidationMessage(payload: payload), message.origin != instanceID else { return }
        received.increment()
        deliver(.message(message), topic: message.topic)
    }

    private func deliver(_ event: InvalidationEvent, topic: String?) {
        let handlers: [@Sendable (InvalidationEvent) -> Void] = listeners.withLock { listeners in
            if let topic { return listeners[topic] ?? [] }
            return listeners.values.flatMap { $0 }
        }
        for handler in handlers { handler(event) }
    }
}
