import Logging
import ServiceLifecycle

/// Keeps systemd informed for the lifetime of a `ServiceGroup`: `READY=1` once the service is ready,
/// `WATCHDOG=1` on the watchdog's interval while it runs, `STOPPING=1` when graceful shutdown begins.
///
/// A `ServiceGroup` shuts its services down in reverse order, so put this one last in the list: it is
/// then told first, and `STOPPING=1` goes out before the other services start draining.
///
/// ```swift
/// if let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger) {
///     services.append(.init(service: SystemdNotifyService(notifier: notifier, waitUntilReady: {
///         _ = await gateway.listeningPort()
///     }, logger: logger)))
/// }
/// ```
public struct SystemdNotifyService: Service {
    private let notifier: SystemdNotifier
    private let readyStatus: String?
    private let waitUntilReady: @Sendable () async -> Void
    private let logger: Logger

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - notifier: Where to send; its ``SystemdNotifier/watchdogInterval`` paces `WATCHDOG=1`.
    ///   - readyStatus: Sent as `STATUS=` with `READY=1`; `nil` sends no status (for instance when
    ///     `waitUntilReady` sends its own with ``SystemdNotifier/status(_:)``).
    ///   - waitUntilReady: Returns once the service is ready, e.g. after its listeners are bound. It need not
    ///     honour cancellation: a shutdown before it returns is noticed without waiting for it.
    ///   - logger: Logs what was sent, at debug.
    public init(
        notifier: SystemdNotifier, readyStatus: String? = nil,
        waitUntilReady: @escaping @Sendable () async -> Void, logger: Logger
    ) {
        self.notifier = notifier
        self.readyStatus = readyStatus
        self.waitUntilReady = waitUntilReady
        self.logger = logger
    }

    /// Waits for readiness, notifies, keeps the watchdog fed, and returns after `STOPPING=1` at graceful
    /// shutdown or cancellation.
    public func run() async throws {
        if await readyBeforeShutdown() {
            notifier.ready(status: readyStatus)
            logger.debug("systemd notified: READY=1", metadata: ["watchdog_interval": "\(notifier.watchdogInterval.map { "\($0)" } ?? "off")"])
            if let interval = notifier.watchdogInterval {
                let notifier = self.notifier
                try? await cancelWhenGracefulShutdown {
                    while true {
                        try await Task.sleep(for: interval)
                        notifier.watchdog()
                    }
                }
            } else {
                try? await gracefulShutdown()
            }
        }
        notifier.stopping()
        logger.debug("systemd notified: STOPPING=1")
    }

    /// Whether `waitUntilReady` returned before graceful shutdown or cancellation.
    private func readyBeforeShutdown() async -> Bool {
        let (outcomes, outcome) = AsyncStream.makeStream(of: Bool.self)
        let wait = waitUntilReady
        let waiter = Task {
            await wait()
            outcome.yield(true)
        }
        defer { waiter.cancel() }
        return await withTaskCancellationOrGracefulShutdownHandler {
            var iterator = outcomes.makeAsyncIterator()
            return await iterator.next() ?? false
        } onCancelOrGracefulShutdown: {
            outcome.yield(false)
        }
    }
}
