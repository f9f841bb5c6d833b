import BulwarkGateway
import Foundation

extension HealthScoring {
    /// The `tls` section for an observation, read at `observation.now`; nil when the listener serves
    /// no certificate (plain HTTP).
    public static func tls(for observation: Observation) -> HealthReport.TLS? {
        guard !observation.certificates.isEmpty else { return nil }
        let certificates = observation.certificates.map { certificate in
            let expiry = CertificateExpiry(notValidAfter: certificate.notValidAfter, now: observation.now)
            return HealthReport.TLS.Certificate(
                index: certificate.index, hosts: certificate.hosts, subject: certificate.subject, file: certificate.file,
                notAfter: certificate.notValidAfter, daysLeft: expiry.daysLeft, status: expiry.level
            )
        }
        return HealthReport.TLS(
            status: certificates.map(\.status).max() ?? .ok, certificates: certificates,
            handshakeFailures: observation.handshakeFailures
        )
    }

    /// The `tls` check: `healthy` while every certificate has more than 3 days left (a certificate
    /// within 14 days shows in the message and opens a `certificate_expiring` warning, which
    /// degrades the status as every open alert does), `degraded` when one has 3 days or less or has
    /// expired. Never `unhealthy`: the listener still serves, and clients decide what an expired
    /// certificate means to them. Handshake failures do not weigh in (clients cause most of them).
    public static func tlsCheck(for observation: Observation) -> HealthReport.Check? {
        guard !observation.certificates.isEmpty else { return nil }
        let readings = observation.certificates.map { certificate in
            (certificate, CertificateExpiry(notValidAfter: certificate.notValidAfter, now: observation.now))
        }
        let worst = readings.map(\.1.level).max() ?? .ok
        let count = readings.count == 1 ? "1 certificate" : "\(readings.count) certificates"
        let message: String
        if worst == .ok, let next = readings.min(by: { $0.1.secondsLeft < $1.1.secondsLeft }) {
            message = "\(count); the next to expire: \(names(of: next.0)) \(next.1.phrase)"
        } else {
            let urgent = readings.filter { $0.1.level != .ok }.sorted { $0.1.secondsLeft < $1.1.secondsLeft }
            message = "\(count); " + urgent.map { "\(names(of: $0.0)) \($0.1.phrase)" }.joined(separator: "; ")
        }
        return HealthReport.Check(name: "tls", kind: "tls", status: worst == .error ? .degraded : .healthy, latencyMs: nil, message: message)
    }

    private static func names(of certificate: TLSCertificateStatus) -> String {
        certificate.hosts.isEmpty ? certificate.subject : certificate.hosts.joined(separator: ", ")
    }
}
