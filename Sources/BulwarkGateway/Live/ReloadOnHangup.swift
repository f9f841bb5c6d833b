import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration file on every SIGHUP until graceful shutdown, as a swift-service-lifecycle
/// `Service` (`bulwark serve` runs it when it was started from a file).
public struct ReloadOnHangup: Service {
    private let reloader: ConfigurationFileReloader?
    private let logger: Logger

    /// Reloads with `reloader` on each SIGHUP; with nil (a gateway started without a file) it logs that
    /// there is nothing to reload, instead of letting SIGHUP end the process.
    public init(reloader: ConfigurationFileReloader?, logger: Logger) {
        self.reloader = reloader
        self.logger = logger
    }

    /// Waits for SIGHUPs until graceful shutdown or cancellation.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let reloader else {
                logger.warning("SIGHUP: started without a configuration file; nothing to reload")
                continue
            }
            logger.notice("SIGHUP: reloading the configuration", metadata: ["path": "\(reloader.path)"])
            reloader.reload()
        }
    }
}
