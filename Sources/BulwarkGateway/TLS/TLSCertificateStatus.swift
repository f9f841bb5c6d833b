import Foundation

/// A certificate the HTTPS listener serves, as `/health`, the dashboard and alerts show it.
public struct TLSCertificateStatus: Sendable, Hashable {
    /// Its position in `server.tls.certificates` (0 is the default certificate).
    public var index: Int
    /// The names it is chosen for by SNI (its `hosts:`, else its DNS names).
    public var hosts: [String]
    /// The leaf's subject, e.g. `CN=api.example.com`.
    public var subject: String
    /// The certificate file.
    public var file: String
    /// When the leaf stops being valid.
    public var notValidAfter: Date

    /// Creates a status.
    public init(index: Int, hosts: [String], subject: String, file: String, notValidAfter: Date) {
        self.index = index
        self.hosts = hosts
        self.subject = subject
        self.file = file
        self.notValidAfter = notValidAfter
    }
}
