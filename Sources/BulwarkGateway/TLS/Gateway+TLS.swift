import BulwarkConfig
import Foundation
import Resilience

extension Gateway {
    /// The certificates the HTTPS listener serves now (empty when it speaks plain HTTP).
    public var tlsCertificates: [TLSCertificateStatus] { runtime.certificates.statuses }

    /// Failed TLS handshakes on the listener so far, by reason (`protocol_version`,
    /// `client_certificate_missing`, `client_certificate_rejected`, `not_tls`, …).
    public var tlsHandshakeFailures: [String: Int] { runtime.certificates.telemetry.handshakeFailures }

    /// Reads every TLS file `configuration` names — the listener's certificates, keys and client CA —
    /// and reports what would stop the gateway from serving with them, each with its key path: a
    /// missing or unreadable file, a key that does not match its certificate, an expired certificate,
    /// a `hosts` entry the certificate does not cover. `bulwark check` prints these.
    public static func tlsProblems(in configuration: BulwarkConfiguration, now: Date = Date()) -> [ConfigurationIssue] {
        guard let tls = configuration.server.tls else { return [] }
        do {
            _ = try ServerTLSMaterial.load(tls, now: now)
            return []
        } catch {
            return error.issues
        }
    }
}
