import NIOSSL
#if canImport(Glibc)
import Glibc
#endif
import X509

/// Learns why BoringSSL refused a target's certificate: its error only says `CERTIFICATE_VERIFY_FAILED`.
/// BoringSSL's own verification runs unchanged; a per-certificate callback sees each verdict, and the
/// first refused certificate is classified (expired, not yet valid, untrusted issuer) for the words
/// `/health` and alerts use.
enum CertificateVerdictObserver {
    /// A client handler that verifies as usual and calls `refused` with the reason BoringSSL refused a
    /// certificate, once, before the handshake fails.
    static func makeHandler(
        context: NIOSSLContext, serverHostname: String?, refused: @escaping (TLSHandshakeFailure.Reason) -> Void
    ) throws -> NIOSSLClientHandler {
        var reported = false
        let observe: NIOSSLVerificationCallback = { verdict, certificate in
            if case .failed = verdict, !reported {
                reported = true
                refused(reason(refusing: certificate))
            }
            return verdict
        }
        let maker: any ObservingHandlerMaking = ObservingHandlerMaker()
        return try maker.make(context: context, serverHostname: serverHostname, observe: observe)
    }

    /// Why `certificate` was refused, judged at the wall-clock time BoringSSL verified it against.
    static func reason(refusing certificate: NIOSSLCertificate) -> TLSHandshakeFailure.Reason {
        TLSHandshakeFailure.classify(
            notValidBefore: Int64(certificate.notValidBefore), notValidAfter: Int64(certificate.notValidAfter),
            issuer: issuer(of: certificate), now: Int64(time(nil))
        )
    }

    /// `CN=Vendor CA, O=Vendor` (RFC 4514 order), from swift-certificates; NIOSSL's name list otherwise.
    static func issuer(of certificate: NIOSSLCertificate) -> String {
        if let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) {
            return parsed.issuer.description
        }
        let names = certificate.issuerName.filter { $0.type == .commonName }.map(\.value)
        return names.isEmpty ? "unknown" : names.map { "CN=\($0)" }.joined(separator: ", ")
    }
}

/// The per-certificate verification callback is only reachable through a deprecated initializer
/// (NIOSSL's replacements take over verification entirely, which the gateway must not do). Calling it
/// through a protocol requirement keeps the build free of the deprecation warning; the observer never
/// changes a verdict.
private protocol ObservingHandlerMaking {
    func make(context: NIOSSLContext, serverHostname: String?, observe: @escaping NIOSSLVerificationCallback) throws -> NIOSSLClientHandler
}

private struct ObservingHandlerMaker: ObservingHandlerMaking {
    @available(*, deprecated, message: "uses NIOSSLClientHandler(context:serverHostname:verificationCallback:) to observe verdicts")
    func make(context: NIOSSLContext, serverHostname: String?, observe: @escaping NIOSSLVerificationCallback) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname, verificationCallback: observe)
    }
}
