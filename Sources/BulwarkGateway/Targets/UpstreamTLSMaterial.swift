import BulwarkConfig
import Foundation
import NIOSSL
import Resilience
import X509

/// The files `upstreams.NAME.tls` names, loaded and checked in one pass: every file that cannot be
/// read or parsed, and a client key that does not belong to its certificate, is reported with its key
/// path.
struct UpstreamTLSMaterial {
    /// A client certificate chain (leaf first) and its key.
    struct ClientIdentity {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    /// The CAs of `tls.ca`; nil means the system trust store.
    var trustRoots: [NIOSSLCertificate]?
    /// The client certificate for mutual TLS, if configured.
    var clientIdentity: ClientIdentity?

    /// Loads what `settings` names.
    /// - Throws: ``ConfigurationError`` with every problem, keyed under `keyPath` (e.g. `upstreams.vendor.tls`).
    static func load(_ settings: UpstreamTLSSettings, keyPath: String) throws(ConfigurationError) -> UpstreamTLSMaterial {
        var issues: [ConfigurationIssue] = []
        var material = UpstreamTLSMaterial()
        if let path = settings.ca {
            switch certificates(at: path) {
            case .success(let roots): material.trustRoots = roots
            case .failure(let problem): issues.append(ConfigurationIssue(keyPath: "\(keyPath).ca", problem: problem.text))
            }
        }
        if let certificatePath = settings.clientCertificate, let keyFile = settings.clientKey {
            let chain = certificates(at: certificatePath)
            let key = privateKey(at: keyFile)
            if case .failure(let problem) = chain { issues.append(ConfigurationIssue(keyPath: "\(keyPath).client_cert", problem: problem.text)) }
            if case .failure(let problem) = key { issues.append(ConfigurationIssue(keyPath: "\(keyPath).client_key", problem: problem.text)) }
            if case .success(let chain) = chain, case .success(let key) = key {
                if keyMatches(key.pem, certificate: chain[0]) {
                    material.clientIdentity = ClientIdentity(chain: chain, key: key.key)
                } else {
                    issues.append(ConfigurationIssue(keyPath: "\(keyPath).client_key", problem: "does not match client_cert"))
                }
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return material
    }

    /// Why a file cannot be used, in words.
    struct Problem: Error {
        var text: String
    }

    private static func certificates(at path: String) -> Result<[NIOSSLCertificate], Problem> {
        let data: Data
        do {
            data = try TLSFiles.read(path)
        } catch {
            return .failure(Problem(text: TLSFiles.describe(error, file: path, expecting: "a PEM certificate")))
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            return .failure(Problem(text: "\(path) holds no PEM certificate"))
        }
        return .success(certificates)
    }

    private static func privateKey(at path: String) -> Result<(key: NIOSSLPrivateKey, pem: String), Problem> {
        let data: Data
        do {
            data = try TLSFiles.read(path)
        } catch {
            return .failure(Problem(text: TLSFiles.describe(error, file: path, expecting: "a PEM private key")))
        }
        guard let key = try? NIOSSLPrivateKey(bytes: Array(data), format: .pem) else {
            return .failure(Problem(text: "\(path) holds no PEM private key (RSA or ECDSA)"))
        }
        return .success((key, String(decoding: data, as: UTF8.self)))
    }

    /// Whether the key in `pem` is the private half of `certificate`'s public key. Keys swift-certificates
    /// cannot read are let through: BoringSSL then refuses a mismatch when the context is built.
    private static func keyMatches(_ pem: String, certificate: NIOSSLCertificate) -> Bool {
        guard let key = try? Certificate.PrivateKey(pemEncoded: pem),
              let der = try? certificate.toDERBytes(),
              let parsed = try? Certificate(derEncoded: der)
        else { return true }
        return key.publicKey == parsed.publicKey
    }
}
