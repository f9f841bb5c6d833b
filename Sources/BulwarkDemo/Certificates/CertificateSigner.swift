import Foundation
import SwiftASN1
import X509

/// Builds and signs one certificate.
enum CertificateSigner {
    /// Signs a certificate for `publicKey` with `issuerKey`, SHA-256 with the issuer's key type.
    ///
    /// - Parameters:
    ///   - issuer: The issuing CA's certificate, or nil for a self-signed root (then `issuerKey` is the
    ///     subject's own key and the issuer name is the subject).
    static func sign(
        subject: DistinguishedName,
        publicKey: Certificate.PublicKey,
        notBefore: Date,
        notAfter: Date,
        profile: CertificateProfile,
        issuer: Certificate?,
        issuerKey: Certificate.PrivateKey
    ) throws -> Certificate {
        try CertificateValidity.check(notBefore: notBefore, notAfter: notAfter)
        do {
            let issuerKeyIdentifier = issuer.map { SubjectKeyIdentifier(hash: $0.publicKey).keyIdentifier }
            return try Certificate(
                version: .v3,
                serialNumber: .random(),
                publicKey: publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: issuer?.subject ?? subject,
                subject: subject,
                extensions: profile.extensions(publicKey: publicKey, issuerKeyIdentifier: issuerKeyIdentifier),
                issuerPrivateKey: issuerKey
            )
        } catch let error as CertificateFactoryError {
            throw error
        } catch {
            throw CertificateFactoryError(.encoding, "could not sign the certificate for \(subject): \(error)")
        }
    }
}

extension Certificate {
    /// The certificate as one PEM block ending in a newline.
    func pemText() throws -> String {
        do {
            return try serializeAsPEM().pemString + "\n"
        } catch {
            throw CertificateFactoryError(.encoding, "could not encode the certificate for \(subject) as PEM: \(error)")
        }
    }
}

extension DistinguishedName {
    /// A subject name: `CN=commonName` and, when given, `O=organization`, each 1–64 characters.
    static func make(commonName: String, organization: String? = nil) throws -> DistinguishedName {
        try checkName(commonName, "common name")
        if let organization { try checkName(organization, "organization") }
        do {
            return try DistinguishedName {
                if let organization { OrganizationName(organization) }
                CommonName(commonName)
            }
        } catch {
            throw CertificateFactoryError(.invalidName, "could not encode the name CN=\(commonName): \(error)")
        }
    }

    private static func checkName(_ value: String, _ what: String) throws {
        guard !value.isEmpty, value.count <= 64 else {
            throw CertificateFactoryError(.invalidName, "a certificate \(what) must be 1 to 64 characters, got \(value.count): '\(value)'")
        }
    }
}
