import AsyncHTTPClient
import NIOCore
import Resilience

/// Which errors of AsyncHTTPClient and SwiftNIO are network trouble worth another attempt.
public enum NetworkErrors {
    /// `true` for timeouts (connect, read, write, pool, TLS handshake, deadline), a connection closed by
    /// the peer, socket errors and failed connects; plus whatever ``RetryPredicates/networkOrServerError(_:)``
    /// retries. Never for cancellation.
    @Sendable
    public static func isTransient(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if RetryPredicates.networkOrServerError(error) { return true }
        if let error = error as? HTTPClientError {
            return [.connectTimeout, .readTimeout, .writeTimeout, .remoteConnectionClosed, .deadlineExceeded,
                    .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(error)
        }
        if error is IOError { return true }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout, .eof, .ioOnClosedChannel, .outputClosed, .alreadyClosed: return true
            default: return false
            }
        }
        // NIOPosix's connect failure (every address refused), named without depending on NIOPosix.
        return String(reflecting: type(of: error)).hasSuffix("NIOConnectionError")
    }
}
