import NIOCore
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// Why a client's TLS handshake failed, as the `reason` label of `bulwark_tls_handshake_failures_total`:
/// a short, bounded set of words rather than BoringSSL's error stack.
enum ListenerHandshakeFailure: String, CaseIterable, Sendable {
    /// The client offered no protocol version we accept (e.g. TLS 1.2 against `min_version: "1.3"`).
    case protocolVersion = "protocol_version"
    /// No cipher suite in common.
    case noSharedCipher = "no_shared_cipher"
    /// Mutual TLS: the client sent no certificate.
    case clientCertificateMissing = "client_certificate_missing"
    /// Mutual TLS: the client's certificate did not verify against `client_ca`.
    case clientCertificateRejected = "client_certificate_rejected"
    /// The client rejected our certificate (an alert such as `unknown_ca` or `bad_certificate`).
    case certificateRejectedByClient = "certificate_rejected_by_client"
    /// Not TLS at all (e.g. plain HTTP sent to the HTTPS port).
    case notTLS = "not_tls"
    /// The handshake did not complete within `server.header_timeout`.
    case handshakeTimeout = "handshake_timeout"
    /// The client closed the connection mid-handshake.
    case clientClosed = "client_closed"
    /// Anything else.
    case other

    /// Classifies a handshake error by BoringSSL's reason codes.
    static func classify(_ error: any Error) -> ListenerHandshakeFailure {
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl { return .clientClosed }
        if let channel = error as? ChannelError, channel == .eof || channel == .ioOnClosedChannel { return .clientClosed }
        // A reset or a broken pipe: the client went away (wrk and browsers abandon handshakes this way).
        if let io = error as? IOError, [ECONNRESET, EPIPE, ETIMEDOUT].contains(io.errnoCode) { return .clientClosed }
        let text = "\(error)".uppercased()
        let rules: [(String, ListenerHandshakeFailure)] = [
            ("PEER_DID_NOT_RETURN_A_CERTIFICATE", .clientCertificateMissing),
            ("CERTIFICATE_REQUIRED", .clientCertificateMissing),
            ("CERTIFICATE_VERIFY_FAILED", .clientCertificateRejected),
            ("UNSUPPORTED_PROTOCOL", .protocolVersion),
            ("PROTOCOL_VERSION", .protocolVersion),
            ("NO_SHARED_CIPHER", .noSharedCipher),
            ("HTTP_REQUEST", .notTLS),
            ("WRONG_VERSION_NUMBER", .notTLS),
            ("UNKNOWN_CA", .certificateRejectedByClient),
            ("BAD_CERTIFICATE", .certificateRejectedByClient),
            ("CERTIFICATE_UNKNOWN", .certificateRejectedByClient),
            ("CERTIFICATE_EXPIRED", .certificateRejectedByClient),
            // TLS 1.3: a client that rejects our certificate sends its alert before it has handshake
            // keys (OpenSSL does), which BoringSSL reads as an undecryptable record.
            ("DECRYPTION_FAILED_OR_BAD_RECORD_MAC", .certificateRejectedByClient),
            ("BAD_PACKET_LENGTH", .certificateRejectedByClient),
        ]
        return rules.first { text.contains($0.0) }?.1 ?? .other
    }
}
