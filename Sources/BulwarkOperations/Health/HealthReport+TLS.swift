import Foundation

extension HealthReport {
    /// The `tls` part of `/health`: every certificate the HTTPS listener serves, and failed handshakes.
    /// Absent when the listener speaks plain HTTP.
    public struct TLS: Sendable, Hashable, Codable {
        /// The most urgent certificate's level.
        public var status: CertificateExpiry.Level
        /// Every certificate, in `server.tls.certificates` order.
        public var certificates: [Certificate]
        /// Failed handshakes since start, by reason (`protocol_version`, `not_tls`, …).
        public var handshakeFailures: [String: Int]

        enum CodingKeys: String, CodingKey {
            case status, certificates
            case handshakeFailures = "handshake_failures"
        }

        /// Creates the section.
        public init(status: CertificateExpiry.Level, certificates: [Certificate], handshakeFailures: [String: Int]) {
            self.status = status
            self.certificates = certificates
            self.handshakeFailures = handshakeFailures
        }
    }
}

extension HealthReport.TLS {
    /// One served certificate.
    public struct Certificate: Sendable, Hashable, Codable {
        /// Its position in `server.tls.certificates` (0 is the default certificate).
        public var index: Int
        /// The names it is chosen for by SNI.
        public var hosts: [String]
        /// The leaf's subject, e.g. `CN=api.example.com`.
        public var subject: String
        /// The certificate file.
        public var file: String
        /// When it stops being valid.
        public var notAfter: Date
        /// Whole days left, rounded down; negative once expired.
        public var daysLeft: Int
        /// `ok`, `warning` (14 days or less) or `error` (3 days or less, or expired).
        public var status: CertificateExpiry.Level

        enum CodingKeys: String, CodingKey {
            case index, hosts, subject, file, status
            case notAfter = "not_after", daysLeft = "days_left"
        }

        /// Creates a row.
        public init(index: Int, hosts: [String], subject: String, file: String, notAfter: Date, daysLeft: Int, status: CertificateExpiry.Level) {
            self.index = index
            self.hosts = hosts
            self.subject = subject
            self.file = file
            self.notAfter = notAfter
            self.daysLeft = daysLeft
            self.status = status
        }
    }
}
