/// `server.tls:`: the public listener speaks HTTPS with these certificates.
///
/// ```yaml
/// server:
///   listen: "0.0.0.0:8443"
///   tls:
///     certificates:
///       - { cert: /etc/bulwark/site.pem, key: /etc/bulwark/site.key }
///       - { cert: /etc/bulwark/api.pem,  key: /etc/bulwark/api.key, hosts: ["api.example.com"] }
///     min_version: "1.2"
///     client_ca: /etc/bulwark/clients.pem
///     client_subject_header: X-Client-Subject
///     reload_interval: 1m
/// ```
public struct ServerTLSSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `server.tls.min_version`
        public static let minimumVersion = TLSVersion.v1_2
        /// `server.tls.reload_interval`
        public static let reloadInterval = Duration.seconds(60)
    }

    /// The certificates served, chosen by SNI; the first is the default for names that match none
    /// (and for clients that send no SNI).
    public var certificates: [CertificateSettings]
    /// The oldest protocol version accepted. Default TLS 1.2.
    public var minimumVersion: TLSVersion = Defaults.minimumVersion
    /// PEM file of the CAs client certificates must chain to: set, only clients presenting a verified
    /// certificate are accepted (mutual TLS). Default none.
    public var clientCA: String?
    /// Header set upstream to the verified client certificate's subject (and removed from every client
    /// request). Default none.
    public var clientSubjectHeader: String?
    /// How often the certificate, key and CA files are checked for changes. Default 1 minute.
    public var reloadInterval: Duration = Defaults.reloadInterval

    /// Creates settings serving `certificates`.
    public init(certificates: [CertificateSettings]) {
        self.certificates = certificates
    }

    /// Every file the listener reads, in a stable order (what the reload watches).
    public var files: [String] {
        certificates.flatMap { [$0.certificate, $0.key] } + (clientCA.map { [$0] } ?? [])
    }
}

/// One entry of `server.tls.certificates`: a full chain, its key, and the names it serves.
public struct CertificateSettings: Sendable, Hashable {
    /// PEM file: the leaf certificate followed by its intermediates.
    public var certificate: String
    /// PEM file: the private key (RSA or ECDSA) of the leaf.
    public var key: String
    /// Host names (`api.example.com`, `*.example.com`) this certificate serves; empty means the names
    /// in the certificate itself.
    public var hosts: [String]

    /// Creates an entry.
    public init(certificate: String, key: String, hosts: [String] = []) {
        self.certificate = certificate
        self.key = key
        self.hosts = hosts
    }
}

/// A TLS protocol version, as written in `min_version`.
public enum TLSVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    /// TLS 1.2.
    case v1_2 = "1.2"
    /// TLS 1.3.
    case v1_3 = "1.3"

    /// Orders by protocol version.
    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}
