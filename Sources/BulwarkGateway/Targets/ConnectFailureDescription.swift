import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A short, human account of why a connection to a target failed, for health checks, `/health`, alerts
/// and logs: `connection refused` rather than NIO's nested `NIOConnectionError` dump, and
/// `tls handshake failed: certificate has expired` rather than BoringSSL's error stack.
enum ConnectFailureDescription {
    /// Describes `error`; errors it does not know are printed as they are.
    static func describe(_ error: any Error) -> String {
        if let handshake = error as? TLSHandshakeFailure { return handshake.description }
        var underlying: any Error = error
        if let attempts = error as? NIOConnectionError {
            guard let last = attempts.connectionErrors.last?.error else {
                return "cannot resolve \(attempts.host)"
            }
            underlying = last
        }
        if let io = underlying as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if let channel = underlying as? ChannelError, case .connectTimeout(let limit) = channel {
            return "connect timed out after \(limit.nanoseconds / 1_000_000) ms"
        }
        let text = "\(underlying)"
        // A TLS error after the handshake (TLS 1.3: the target refuses our client certificate once the
        // handshake is over on our side): BoringSSL's reasons, not its stack.
        if text.contains("SSL routines") { return "tls failed: " + TLSHandshakeFailure.words(for: underlying) }
        return text
    }
}
