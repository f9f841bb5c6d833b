import Foundation
import X509

/// A certificate authority held in memory: it issues TLS server and client certificates and
/// intermediate CAs, for `bulwark demo --tls` and for tests.
///
/// The CA's private key lives only in this value; nothing writes it to disk, so a CA made for a demo
/// can sign nothing once the process ends.
///
/// ```swift
/// let ca = try CertificateAuthority.make()
/// let server = try ca.issueServer(hosts: ["localhost", "127.0.0.1", "::1"])
/// try ca.write(certificate: "ca.pem")                          // what clients trust
/// try server.write(certificate: "cert.pem", key: "key.pem")     // what the server presents
/// // curl --cacert ca.pem https://localhost:8443/
/// ```
///
/// Certificates are X.509 v3, signed with SHA-256 (ECDSA or RSA PKCS #1 v1.5), with random 20-octet
/// serial numbers, subject and authority key identifiers, and valid from one hour before `now`.
public struct CertificateAuthority: Sendable {
    /// The CA's own certificate.
    let certificate: Certificate
    /// The key that signs what this CA issues.
    let privateKey: Certificate.PrivateKey
    /// The kind of key this CA has; intermediates it makes get the same kind.
    let keyAlgorithm: CertificateKeyAlgorithm
    /// This CA's certificate and those of the intermediates above it, nearest first, without the root:
    /// what follows a leaf it issues in a server's chain. Empty for a root.
    let intermediates: [Certificate]

    /// The CA's certificate, one PEM block: the file clients trust for a root, or the `-untrusted`
    /// intermediate for an intermediate CA.
    public let certificatePEM: String

    init(certificate: Certificate, privateKey: Certificate.PrivateKey, keyAlgorithm: CertificateKeyAlgorithm, intermediates: [Certificate]) throws {
        self.certificate = certificate
        self.privateKey = privateKey
        self.keyAlgorithm = keyAlgorithm
        self.intermediates = intermediates
        self.certificatePEM = try certificate.pemText()
    }

    /// Makes a new self-signed root CA with a fresh key.
    ///
    /// The certificate has critical basicConstraints `CA:TRUE` (no path length limit) and critical
    /// keyUsage `keyCertSign, cRLSign`.
    ///
    /// - Parameters:
    ///   - commonName: The CA's subject common name, 1–64 characters. Default `Bulwark Demo CA`.
    ///   - key: The kind of key. Default ECDSA P-256.
    ///   - validFor: How long the CA lasts from `now`. Default 365 days.
    ///   - now: The current time. Default the system clock.
    /// - Throws: ``CertificateFactoryError``.
    public static func make(
        commonName: String = "Bulwark Demo CA",
        key: CertificateKeyAlgorithm = .ecdsaP256,
        validFor: Duration = .seconds(86400 * 365),
        now: Date = Date()
    ) throws -> CertificateAuthority {
        guard validFor > .zero else {
            throw CertificateFactoryError(.invalidValidity, "a CA must be valid for a positive duration, got \(validFor)")
        }
        let subject = try DistinguishedName.make(commonName: commonName)
        let notBefore = CertificateValidity.wholeSeconds(now.addingTimeInterval(-CertificateValidity.backdating))
        let notAfter = CertificateValidity.wholeSeconds(now.addingTimeInterval(CertificateValidity.seconds(validFor)))
        let generated = try key.generate()
        let certificate = try CertificateSigner.sign(
            subject: subject,
            publicKey: generated.privateKey.publicKey,
            notBefore: notBefore,
            notAfter: notAfter,
            profile: .authority,
            issuer: nil,
            issuerKey: generated.privateKey
        )
        return try CertificateAuthority(certificate: certificate, privateKey: generated.privateKey, keyAlgorithm: key, intermediates: [])
    }

    /// Writes ``certificatePEM`` to `path` with mode `0644`, replacing the file atomically. The CA's key is
    /// never written.
    ///
    /// - Throws: ``CertificateFactoryError`` with code ``CertificateFactoryError/Code/fileWrite``.
    public func write(certificate path: String) throws {
        try PEMFile.save(certificatePEM, to: path, mode: PEMFile.certificateMode)
    }
}
