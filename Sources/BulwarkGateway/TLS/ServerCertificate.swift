import BulwarkConfig
import Foundation
import NIOSSL
import Resilience
import X509

/// One entry of `server.tls.certificates`, read and checked: its chain and key as BoringSSL takes them,
/// the names it serves, and what `/health`, metrics and alerts show about it.
struct ServerCertificate: Sendable {
    /// Position in `server.tls.certificates` (0 is the default).
    let index: Int
    let settings: CertificateSettings
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    /// The names SNI picks it for: `hosts:` when given, else the certificate's DNS names.
    let names: [String]
    /// The leaf's DNS names and IP addresses.
    let subjectAlternativeNames: [String]
    let subject: String
    let notValidBefore: Date
    let notValidAfter: Date

    /// Reads and checks entry `index`; every problem is reported with its key path. A certificate that
    /// expired before `now` is a problem; with `now` nil expiry is not checked.
    static func load(_ settings: CertificateSettings, index: Int, now: Date?) -> Result<ServerCertificate, ConfigurationError> {
        let path = "server.tls.certificates[\(index)]"
        var issues: [ConfigurationIssue] = []
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(try TLSFiles.read(settings.certificate)))
            if chain.isEmpty { issues.append(.init(keyPath: "\(path).cert", problem: "\(settings.certificate) holds no PEM certificate")) }
        } catch {
            chain = []
            issues.append(.init(keyPath: "\(path).cert", problem: TLSFiles.describe(error, file: settings.certificate, expecting: "a PEM certificate chain")))
        }
        let key: NIOSSLPrivateKey?
        do {
            key = try NIOSSLPrivateKey(bytes: Array(try TLSFiles.read(settings.key)), format: .pem)
        } catch {
            key = nil
            issues.append(.init(keyPath: "\(path).key", problem: TLSFiles.describe(error, file: settings.key, expecting: "a PEM private key (RSA or ECDSA)")))
        }
        guard let key, let leafBytes = try? chain.first?.toDERBytes(), let leaf = try? Certificate(derEncoded: leafBytes) else {
            if issues.isEmpty { issues.append(.init(keyPath: "\(path).cert", problem: "\(settings.certificate): the first certificate cannot be parsed")) }
            return .failure(ConfigurationError(issues: issues))
        }
        if !issues.isEmpty { return .failure(ConfigurationError(issues: issues)) }
        if !Self.keyMatches(chain: chain, key: key) {
            issues.append(.init(keyPath: "\(path).key", problem: "does not match its certificate (\(settings.certificate))"))
        }
        if let now, leaf.notValidAfter < now {
            issues.append(.init(keyPath: "\(path).cert", problem: "expired on \(TLSFiles.format(leaf.notValidAfter)) (\(leaf.subject))"))
        }
        let sans = Self.subjectAlternativeNames(of: leaf)
        let dnsNames = sans.filter { $0.rangeOfCharacter(from: .letters) != nil && !$0.contains(":") }
        for (hostIndex, host) in settings.hosts.enumerated() where !Self.covers(certificateNames: sans, host: host) {
            issues.append(.init(keyPath: "\(path).hosts[\(hostIndex)]", problem: "'\(host)' is not among the certificate's names (\(sans.isEmpty ? "none" : sans.joined(separator: ", ")))"))
        }
        if !issues.isEmpty { return .failure(ConfigurationError(issues: issues)) }
        return .success(ServerCertificate(
            index: index, settings: settings, chain: chain, key: key,
            names: settings.hosts.isEmpty ? dnsNames.map(CertificateNames.normalized) : settings.hosts,
            subjectAlternativeNames: sans, subject: leaf.subject.description,
            notValidBefore: leaf.notValidBefore, notValidAfter: leaf.notValidAfter
        ))
    }

    /// Whether the certificate's names cover `host` (a `hosts:` entry, possibly itself a wildcard).
    private static func covers(certificateNames: [String], host: String) -> Bool {
        certificateNames.contains { name in
            name.lowercased() == host.lowercased() || (!host.hasPrefix("*.") && CertificateNames.matches(name, host: host))
        }
    }

    /// BoringSSL's own check (`SSL_CTX_use_PrivateKey` refuses a key whose public half differs).
    private static func keyMatches(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> Bool {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return (try? NIOSSLContext(configuration: configuration)) != nil
    }

    static func subjectAlternativeNames(of certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let dns): dns
            case .ipAddress(let octets): TLSFiles.ipAddress(Array(octets.bytes))
            default: nil
            }
        }
    }
}
