import BulwarkGateway
import Foundation

extension AlertRules {
    /// `certificate_expiring`: one condition per certificate the HTTPS listener serves that has
    /// ``CertificateExpiry/warningWithin`` (14 days) or less left at `observation.now` — `warning`, or
    /// `error` at ``CertificateExpiry/errorWithin`` (3 days) or less and once expired. The subject is
    /// the certificate's hosts, joined with commas; the value is the seconds left (negative once
    /// expired). Reloading a renewed certificate clears the condition, so the alert resolves by itself.
    public static func certificateConditions(for observation: Observation) -> [AlertCondition] {
        observation.certificates.compactMap { certificate in
            let expiry = CertificateExpiry(notValidAfter: certificate.notValidAfter, now: observation.now)
            let severity: AlertSeverity
            switch expiry.level {
            case .ok: return nil
            case .warning: severity = .warning
            case .error: severity = .error
            }
            return AlertCondition(
                rule: "certificate_expiring", subject: subject(of: certificate), severity: severity, value: expiry.secondsLeft,
                message: "certificate for \(certificate.hosts.isEmpty ? certificate.subject : certificate.hosts.joined(separator: ", ")) (\(certificate.file)) \(expiry.phrase)"
            )
        }
    }

    /// The alert subject for a certificate: its hosts joined with commas, else its file.
    static func subject(of certificate: TLSCertificateStatus) -> String {
        certificate.hosts.isEmpty ? certificate.file : certificate.hosts.joined(separator: ",")
    }
}
