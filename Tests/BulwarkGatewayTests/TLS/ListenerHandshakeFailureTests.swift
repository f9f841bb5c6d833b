@testable import BulwarkGateway
import Glibc
import NIOCore
import NIOSSL
import Testing

/// The `reason` label of `bulwark_tls_handshake_failures_total` for the errors a listener sees.
@Suite struct ListenerHandshakeFailureTests {
    @Test("a client that goes away mid-handshake is client_closed, whether it closes, resets or breaks the pipe")
    func clientGone() {
        #expect(ListenerHandshakeFailure.classify(NIOSSLError.uncleanShutdown) == .clientClosed)
        #expect(ListenerHandshakeFailure.classify(ChannelError.eof) == .clientClosed)
        #expect(ListenerHandshakeFailure.classify(IOError(errnoCode: ECONNRESET, reason: "read")) == .clientClosed)
        #expect(ListenerHandshakeFailure.classify(IOError(errnoCode: EPIPE, reason: "write")) == .clientClosed)
    }

    @Test("BoringSSL reason codes map to their reasons, anything else is other")
    func reasons() {
        let cases: [(String, ListenerHandshakeFailure)] = [
            ("error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE", .clientCertificateMissing),
            ("error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED", .clientCertificateRejected),
            ("error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL", .protocolVersion),
            ("error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER", .noSharedCipher),
            ("error:1000009c:SSL routines:OPENSSL_internal:HTTP_REQUEST", .notTLS),
            ("error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA", .certificateRejectedByClient),
            ("something new", .other),
        ]
        for (text, reason) in cases {
            #expect(ListenerHandshakeFailure.classify(Described(text: text)) == reason, "\(text)")
        }
    }

    struct Described: Error, CustomStringConvertible { let text: String; var description: String { text } }
}
