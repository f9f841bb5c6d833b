import Foundation

/// A certificate a ``CertificateAuthority`` issued, with its new private key, as PEM text.
///
/// ```swift
/// let ca = try CertificateAuthority.make()
/// let server = try ca.issueServer(hosts: ["localhost", "127.0.0.1", "::1"])
/// try ca.write(certificate: "/tmp/demo/ca.pem")
/// try server.write(certificate: "/tmp/demo/cert.pem", key: "/tmp/demo/key.pem")
/// ```
public struct IssuedCertificate: Sendable {
    /// The certificate alone, one PEM block.
    public let certificatePEM: String
    /// The certificate followed by the intermediate CAs between it and the root (the root itself is
    /// left out): what a server presents. Equal to ``certificatePEM`` when a root issued it.
    public let chainPEM: String
    /// The private key, PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`) for both ECDSA and RSA keys; OpenSSL,
    /// BoringSSL and NIOSSL load it.
    public let privateKeyPEM: String
    /// The moment the certificate stops being valid, as encoded (to the whole second).
    public let notAfter: Date

    init(certificatePEM: String, chainPEM: String, privateKeyPEM: String, notAfter: Date) {
        self.certificatePEM = certificatePEM
        self.chainPEM = chainPEM
        self.privateKeyPEM = privateKeyPEM
        self.notAfter = notAfter
    }

    /// Writes the certificate and the key to files, each replaced atomically.
    ///
    /// The key file gets mode `0600` (owner only) from the moment it exists, whatever the umask; the
    /// certificate file gets `0644`. Existing files are replaced.
    ///
    /// - Parameters:
    ///   - certificate: Path of the certificate file.
    ///   - key: Path of the private key file.
    ///   - includeChain: Write ``chainPEM`` (what a server needs) rather than ``certificatePEM`` alone.
    ///     Default `true`.
    /// - Throws: ``CertificateFactoryError`` with code ``CertificateFactoryError/Code/fileWrite``.
    public func write(certificate: String, key: String, includeChain: Bool = true) throws {
        try PEMFile.save(privateKeyPEM, to: key, mode: PEMFile.privateKeyMode)
        try PEMFile.save(includeChain ? chainPEM : certificatePEM, to: certificate, mode: PEMFile.certificateMode)
    }
}
