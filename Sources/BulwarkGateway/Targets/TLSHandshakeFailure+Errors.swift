import BulwarkCredentials
import NIOCore
import NIOSSL

extension TLSHandshakeFailure {
    /// The reason for a handshake error NIOSSL reported, when no certificate verdict explains it:
    /// a name mismatch, a closed connection, or BoringSSL's reason in words (`tlsv13 alert certificate
    /// required`, not `error:1000045c:SSL routines:OPENSSL_internal:…`).
    static func reason(for error: any Error, verifiedName: String) -> Reason {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .nameMismatch(verifiedName)
        }
        if let failure = error as? TLSHandshakeFailure { return failure.reason }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl { return .closed }
        if let channel = error as? ChannelError, channel == .eof || channel == .ioOnClosedChannel { return .closed }
        return .other(words(for: error))
    }

    /// BoringSSL's error stack reduced to its reasons, lower case and without codes:
    /// `error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE` → `sslv3 alert handshake failure`.
    static func words(for error: any Error) -> String {
        let text = "\(error)"
        let reasons = NetworkErrorText.tlsReasons(in: text)
        return reasons.isEmpty ? text : reasons.joined(separator: "; ")
    }
}
