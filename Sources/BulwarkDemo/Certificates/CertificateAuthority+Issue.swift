import Foundation
import X509

extension CertificateAuthority {
    /// Issues a TLS server certificate with a fresh key.
    ///
    /// The subjectAltName lists every host: an IPv4 or IPv6 address (`127.0.0.1`, `::1`, `[::1]`) as an IP
    /// address, anything else as a DNS name (`localhost`, `*.example.com`). The subject common name is
    /// the first host (left out when longer than 64 characters; clients match the subjectAltName
    /// anyway). Extended key usage `serverAuth`; key usage `digitalSignature`, plus `keyEncipherment`
    /// for RSA; basicConstraints `CA:FALSE`.
    ///
    /// - Parameters:
    ///   - hosts: The names and addresses the certificate is valid for; at least one.
    ///   - key: The kind of key. Default ECDSA P-256.
    ///   - notBefore: Start of validity. Default one hour before `now`.
    ///   - notAfter: End of validity. Default 90 days after `now`, or the CA's own expiry if sooner.
    ///     Pass dates in the past for an expired certificate.
    ///   - now: The current time. Default the system clock.
    /// - Throws: ``CertificateFactoryError``.
    public func issueServer(
        hosts: [String],
        key: CertificateKeyAlgorithm = .ecdsaP256,
        notBefore: Date? = nil,
        notAfter: Date? = nil,
        now: Date = Date()
    ) throws -> IssuedCertificate {
        guard !hosts.isEmpty else {
            throw CertificateFactoryError(.invalidHost, "a server certificate needs at least one host name or IP address")
        }
        var parsed: [CertificateHost] = []
        for host in hosts {
            let entry = try CertificateHost(parsing: host)
            if !parsed.contains(entry) { parsed.append(entry) }
        }
        let commonName = parsed[0].commonName
        let subject = commonName.count <= 64 ? try DistinguishedName.make(commonName: commonName) : DistinguishedName()
        let profile = CertificateProfile.server(hosts: parsed, keyEncipherment: key.needsKeyEncipherment, emptySubject: subject.isEmpty)
        return try issue(subject: subject, profile: profile, key: key, notBefore: notBefore, notAfter: notAfter, now: now)
    }

    /// Issues a TLS client certificate (for mutual TLS) with a fresh key.
    ///
    /// The subject is `CN=commonName` and, when given, `O=organization`. Extended key usage
    /// `clientAuth`; key usage `digitalSignature`; basicConstraints `CA:FALSE`; valid from one hour
    /// before `now`.
    ///
    /// - Parameters:
    ///   - commonName: Who the client is, 1–64 characters.
    ///   - organization: The client's organization, 1–64 characters. Default none.
    ///   - key: The kind of key. Default ECDSA P-256.
    ///   - notAfter: End of validity. Default 90 days after `now`, or the CA's own expiry if sooner.
    ///   - now: The current time. Default the system clock.
    /// - Throws: ``CertificateFactoryError``.
    public func issueClient(
        commonName: String,
        organization: String? = nil,
        key: CertificateKeyAlgorithm = .ecdsaP256,
        notAfter: Date? = nil,
        now: Date = Date()
    ) throws -> IssuedCertificate {
        let subject = try DistinguishedName.make(commonName: commonName, organization: organization)
        return try issue(subject: subject, profile: .client, key: key, notBefore: nil, notAfter: notAfter, now: now)
    }

    /// Makes an intermediate CA signed by this one, with a fresh key of the same kind as this CA's.
    ///
    /// It is valid from one hour before `now` until this CA expires. Certificates it issues carry it
    /// (and any intermediates above it) after the leaf in ``IssuedCertificate/chainPEM``; clients still
    /// trust only the root.
    ///
    /// - Parameters:
    ///   - commonName: The intermediate's subject common name, 1–64 characters.
    ///   - now: The current time. Default the system clock.
    /// - Throws: ``CertificateFactoryError``.
    public func makeIntermediate(commonName: String, now: Date = Date()) throws -> CertificateAuthority {
        let subject = try DistinguishedName.make(commonName: commonName)
        let notBefore = CertificateValidity.wholeSeconds(now.addingTimeInterval(-CertificateValidity.backdating))
        try checkNotExpired(at: now)
        let generated = try keyAlgorithm.generate()
        let issued = try CertificateSigner.sign(
            subject: subject,
            publicKey: generated.privateKey.publicKey,
            notBefore: notBefore,
            notAfter: certificate.notValidAfter,
            profile: .authority,
            issuer: certificate,
            issuerKey: privateKey
        )
        return try CertificateAuthority(
            certificate: issued,
            privateKey: generated.privateKey,
            keyAlgorithm: keyAlgorithm,
            intermediates: [issued] + intermediates
        )
    }

    private func issue(
        subject: DistinguishedName,
        profile: CertificateProfile,
        key: CertificateKeyAlgorithm,
        notBefore: Date?,
        notAfter: Date?,
        now: Date
    ) throws -> IssuedCertificate {
        let start = CertificateValidity.wholeSeconds(notBefore ?? now.addingTimeInterval(-CertificateValidity.backdating))
        let end: Date
        if let notAfter {
            end = CertificateValidity.wholeSeconds(notAfter)
        } else {
            try checkNotExpired(at: now)
            end = min(CertificateValidity.wholeSeconds(now.addingTimeInterval(CertificateValidity.leafLifetime)), certificate.notValidAfter)
        }
        try CertificateValidity.check(notBefore: start, notAfter: end)
        let generated = try key.generate()
        let issued = try CertificateSigner.sign(
            subject: subject,
            publicKey: generated.privateKey.publicKey,
            notBefore: start,
            notAfter: end,
            profile: profile,
            issuer: certificate,
            issuerKey: privateKey
        )
        let leaf = try issued.pemText()
        let chain = try intermediates.map { try $0.pemText() }.joined()
        return IssuedCertificate(certificatePEM: leaf, chainPEM: leaf + chain, privateKeyPEM: generated.pem, notAfter: issued.notValidAfter)
    }

    private func checkNotExpired(at now: Date) throws {
        guard now < certificate.notValidAfter else {
            throw CertificateFactoryError(
                .invalidValidity,
                "the CA '\(certificate.subject)' expired at \(certificate.notValidAfter); make a new CA, or pass notAfter explicitly"
            )
        }
    }
}
