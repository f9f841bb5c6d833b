import X509

/// What a certificate is for, and the extensions that purpose needs.
///
/// Every certificate carries a subject key identifier; every one signed by a CA carries that CA's key
/// identifier as its authority key identifier, so OpenSSL's `-x509_strict` checks pass and chains with
/// several CAs of the same name still build.
enum CertificateProfile: Sendable {
    /// A certificate authority: critical basicConstraints `CA:TRUE`, critical keyUsage
    /// `keyCertSign, cRLSign`.
    case authority
    /// A TLS server: critical basicConstraints `CA:FALSE`, critical keyUsage `digitalSignature` (and
    /// `keyEncipherment` for RSA), extendedKeyUsage `serverAuth`, subjectAltName with every host
    /// (critical when the subject is empty, as RFC 5280 requires).
    case server(hosts: [CertificateHost], keyEncipherment: Bool, emptySubject: Bool)
    /// A TLS client: critical basicConstraints `CA:FALSE`, critical keyUsage `digitalSignature`,
    /// extendedKeyUsage `clientAuth`.
    case client

    /// The extensions for a certificate with `publicKey`, issued by the holder of `issuerKeyIdentifier`
    /// (nil for a self-signed root).
    func extensions(publicKey: Certificate.PublicKey, issuerKeyIdentifier: ArraySlice<UInt8>?) throws -> Certificate.Extensions {
        var extensions = Certificate.Extensions()
        switch self {
        case .authority:
            try extensions.append(.init(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true))
            try extensions.append(.init(KeyUsage(keyCertSign: true, cRLSign: true), critical: true))
        case .server(let hosts, let keyEncipherment, let emptySubject):
            try extensions.append(.init(BasicConstraints.notCertificateAuthority, critical: true))
            try extensions.append(.init(KeyUsage(digitalSignature: true, keyEncipherment: keyEncipherment), critical: true))
            try extensions.append(.init(ExtendedKeyUsage([.serverAuth]), critical: false))
            try extensions.append(.init(SubjectAlternativeNames(hosts.map(\.generalName)), critical: emptySubject))
        case .client:
            try extensions.append(.init(BasicConstraints.notCertificateAuthority, critical: true))
            try extensions.append(.init(KeyUsage(digitalSignature: true), critical: true))
            try extensions.append(.init(ExtendedKeyUsage([.clientAuth]), critical: false))
        }
        try extensions.append(.init(SubjectKeyIdentifier(hash: publicKey), critical: false))
        if let issuerKeyIdentifier {
            try extensions.append(.init(AuthorityKeyIdentifier(keyIdentifier: issuerKeyIdentifier), critical: false))
        }
        return extensions
    }
}
