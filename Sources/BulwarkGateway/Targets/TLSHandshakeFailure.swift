/// Why a TLS handshake with a target failed, in the words `/health`, alerts and logs use:
/// `tls handshake failed: certificate has expired` rather than BoringSSL's error stack.
///
/// A pure value: ``classify(notValidBefore:notValidAfter:issuer:now:)`` decides from a certificate
/// BoringSSL refused and the time; the handshake shell records it and reports the failure as a
/// connect failure (retries, outlier detection and breakers count it like a refused connection).
struct TLSHandshakeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    enum Reason: Sendable, Hashable {
        /// The certificate's validity ended before now.
        case expired
        /// The certificate's validity starts after now.
        case notYetValid
        /// The certificate does not chain to a trusted CA; the issuer it names.
        case untrusted(issuer: String)
        /// The certificate is valid but not for the name the gateway verified.
        case nameMismatch(String)
        /// The target sent no answer within the limit.
        case timedOut(milliseconds: Int64)
        /// The connection closed before the handshake finished.
        case closed
        /// Anything else, as TLS reported it.
        case other(String)
    }

    let reason: Reason

    init(_ reason: Reason) { self.reason = reason }

    var description: String {
        let detail = switch reason {
        case .expired: "certificate has expired"
        case .notYetValid: "certificate is not yet valid"
        case .untrusted(let issuer): "certificate is not trusted (issuer: \(issuer))"
        case .nameMismatch(let name): "certificate does not match \(name)"
        case .timedOut(let milliseconds): "no answer within \(milliseconds) ms"
        case .closed: "connection closed during the handshake"
        case .other(let text): text
        }
        return "tls handshake failed: \(detail)"
    }

    /// Why BoringSSL refused a certificate in the chain: expired or not yet valid at `now` (seconds since
    /// 1970, as certificates count), otherwise not trusted.
    static func classify(notValidBefore: Int64, notValidAfter: Int64, issuer: String, now: Int64) -> Reason {
        if notValidAfter < now { return .expired }
        if notValidBefore > now { return .notYetValid }
        return .untrusted(issuer: issuer)
    }
}
