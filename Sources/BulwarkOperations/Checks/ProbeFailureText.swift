import AsyncHTTPClient
import BulwarkCredentials
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Resilience
#if canImport(Glibc)
import Glibc
#endif

/// Why a probe failed, in words a person reads in `/health`: `connection refused`, `timed out after 2 s`,
/// `tls failed: certificate verify failed`, rather than NIO's nested error dumps or BoringSSL's stack with
/// its source paths. Never longer than ``maximumLength``, and never holding a secret the probe knows.
enum ProbeFailureText {
    /// Longer texts are cut, with `…`.
    static let maximumLength = 300

    /// A network error in words. `timeout` is the probe's limit, named when the connect timed out;
    /// `verifiedName` is the name the server's certificate had to hold, named when it did not.
    static func words(for error: any Error, timeout: Duration, verifiedName: String? = nil) -> String {
        if error is CancellationError { return "cancelled" }
        if let attempts = error as? NIOConnectionError {
            guard let last = attempts.connectionErrors.last?.error else { return "cannot resolve \(attempts.host)" }
            return words(for: last, timeout: timeout, verifiedName: verifiedName)
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "tls failed: the certificate does not name " + (verifiedName ?? "the host")
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return "timed out after \(timeout.humanReadable)"
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return "connection closed"
            default: return "\(channel)"
            }
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                return "timed out after \(timeout.humanReadable)"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(http)"
            }
        }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl { return "the server closed the connection during TLS" }
        return NetworkErrorText.words(in: String(describing: error))
    }

    /// `text` on one line, without any of `secrets` (each replaced by `***`), at most ``maximumLength``
    /// characters.
    static func finished(_ text: String, secrets: [String] = []) -> String {
        var result = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        if result.count > maximumLength { result = String(result.prefix(maximumLength - 1)) + "…" }
        return result
    }
}
