import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import Resilience

/// Delivers alert changes to `alerts.webhooks` in the background. Each URL has its own core `Retry`
/// (3 attempts, exponential backoff with jitter) and `CircuitBreaker` (opens after 5 failures in a row
/// for 30 s), and the queue is bounded (newest 256 kept), so a dead receiver never slows the gateway or
/// the monitor: ``enqueue(_:)`` only appends.
public final class WebhookNotifier: Sendable {
    private struct Receiver: Sendable {
        let url: String
        let retry: Retry
        let breaker: CircuitBreaker
    }

    private let receivers: [Receiver]
    private let timeout: Duration
    private let logger: Logger
    private let stream: AsyncStream<Data>
    private let continuation: AsyncStream<Data>.Continuation
    private let delivered: Counter
    private let failed: Counter
    private let dropped: Counter
    private let client: HTTPClient

    /// A notifier for `urls`.
    public init(urls: [String], timeout: Duration, logger: Logger, metricsFactory: any MetricsFactory, client: HTTPClient = .shared) throws {
        self.timeout = timeout
        self.logger = logger
        self.client = client
        self.receivers = try urls.map { url in
            Receiver(
                url: url,
                retry: try Retry(RetryConfiguration(
                    name: "webhook \(Self.redacted(url))", maxAttempts: 3,
                    backoff: Backoff.exponential(base: .milliseconds(200), multiplier: 2, maximum: .seconds(5)).jittered(.full),
                    shouldRetry: { !($0 is CircuitBreakerOpenError) && !($0 is CancellationError) },
                    logger: logger
                )),
                breaker: try CircuitBreaker(CircuitBreakerConfiguration(
                    name: "webhook \(Self.redacted(url))", consecutiveFailureThreshold: 5, openDuration: .seconds(30),
                    permittedCallsInHalfOpen: 1, logger: logger
                ))
            )
        }
        (stream, continuation) = AsyncStream.makeStream(of: Data.self, bufferingPolicy: .bufferingNewest(256))
        delivered = Counter(label: "bulwark_webhook_deliveries_total", dimensions: [("outcome", "delivered")], factory: metricsFactory)
        failed = Counter(label: "bulwark_webhook_deliveries_total", dimensions: [("outcome", "failed")], factory: metricsFactory)
        dropped = Counter(label: "bulwark_webhook_deliveries_total", dimensions: [("outcome", "dropped")], factory: metricsFactory)
    }

    /// Whether any webhook is configured.
    public var isEnabled: Bool { !receivers.isEmpty }

    /// Queues a JSON body for every receiver; never waits.
    func enqueue(_ body: Data) {
        guard isEnabled else { return }
        if case .dropped = continuation.yield(body) { dropped.increment() }
    }

    /// Delivers queued bodies until cancelled. Receivers are served concurrently; bodies in order.
    public func run() async {
        for await body in stream {
            await withTaskGroup(of: Void.self) { group in
                for receiver in receivers {
                    group.addTask { await self.deliver(body, to: receiver) }
                }
            }
        }
    }

    /// Ends ``run()`` after the queue drains.
    public func finish() { continuation.finish() }

    private func deliver(_ body: Data, to receiver: Receiver) async {
        do {
            try await receiver.retry.execute {
                try await receiver.breaker.execute { try await self.post(body, to: receiver.url) }
            }
            delivered.increment()
        } catch {
            failed.increment()
            logger.warning("alert webhook not delivered", metadata: ["url": "\(Self.redacted(receiver.url))", "error": "\(error)"])
        }
    }

    private func post(_ body: Data, to url: String) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "bulwark")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else { throw WebhookError(status: Int(response.status.code)) }
    }

    /// The URL without its path and query, which often carry a secret (Slack's do).
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" }
        return "\(url[..<scheme.upperBound])\(host)/…"
    }
}

/// A webhook answered with a non-2xx status.
struct WebhookError: Error, CustomStringConvertible {
    let status: Int
    var description: String { "receiver answered HTTP \(status)" }
}
