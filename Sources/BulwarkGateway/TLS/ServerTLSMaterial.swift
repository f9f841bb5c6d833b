import BulwarkConfig
import Foundation
import NIOCore
import NIOSSL
import Resilience

/// What the HTTPS listener serves with, read from `server.tls` in one go: every certificate, the client
/// CAs, and the BoringSSL context new connections take. Immutable: a reload reads the files into a new
/// one and swaps it in, so a connection keeps the certificates it shook hands with and a failed reload
/// leaves the old ones serving.
final class ServerTLSMaterial: Sendable {
    let settings: ServerTLSSettings
    /// In `server.tls.certificates` order; the first is the default.
    let certificates: [ServerCertificate]
    /// The context new connections' `NIOSSLServerHandler`s are made with.
    let context: NIOSSLContext
    /// The bytes of every file read (certificates, keys, client CA), for noticing changes.
    let fileContents: [String: Data]

    private init(settings: ServerTLSSettings, certificates: [ServerCertificate], context: NIOSSLContext, fileContents: [String: Data]) {
        self.settings = settings
        self.certificates = certificates
        self.context = context
        self.fileContents = fileContents
    }

    /// Reads and checks every file of `settings`; a certificate expired before `now` is a problem (with
    /// `now` nil, expiry is not checked). ALPN offers `applicationProtocols`, in order of preference.
    /// - Throws: ``ConfigurationError`` naming each problem's key path
    ///   (`server.tls.certificates[1].key: does not match its certificate`).
    static func load(
        _ settings: ServerTLSSettings, now: Date?, applicationProtocols: [String] = ["http/1.1"]
    ) throws(ConfigurationError) -> ServerTLSMaterial {
        var issues: [ConfigurationIssue] = []
        var fileContents: [String: Data] = [:]
        for file in settings.files { fileContents[file] = TLSFiles.contents(file) }
        var certificates: [ServerCertificate] = []
        for (index, entry) in settings.certificates.enumerated() {
            switch ServerCertificate.load(entry, index: index, now: now) {
            case .success(let certificate): certificates.append(certificate)
            case .failure(let error): issues += error.issues
            }
        }
        var clientRoots: [NIOSSLCertificate] = []
        if let file = settings.clientCA {
            do {
                clientRoots = try NIOSSLCertificate.fromPEMBytes(Array(try TLSFiles.read(file)))
                if clientRoots.isEmpty { issues.append(.init(keyPath: "server.tls.client_ca", problem: "\(file) holds no PEM certificate")) }
            } catch {
                issues.append(.init(keyPath: "server.tls.client_ca", problem: TLSFiles.describe(error, file: file, expecting: "a PEM file of CA certificates")))
            }
        }
        guard issues.isEmpty, let first = certificates.first else {
            throw ConfigurationError(issues: issues.isEmpty ? [.init(keyPath: "server.tls.certificates", problem: "no usable certificate")] : issues)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: first.chain.map { .certificate($0) }, privateKey: .privateKey(first.key)
        )
        configuration.minimumTLSVersion = settings.minimumVersion == .v1_3 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = applicationProtocols
        if !clientRoots.isEmpty {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(clientRoots)
            configuration.sendCANameList = true
        }
        if certificates.count > 1 {
            let choices = certificates
            configuration.sslContextCallback = { values, promise in
                var override = NIOSSLContextConfigurationOverride()
                if let chosen = Self.certificate(for: values.serverHostname, among: choices), chosen.index != 0 {
                    override.certificateChain = chosen.chain.map { .certificate($0) }
                    override.privateKey = .privateKey(chosen.key)
                }
                promise.succeed(override)
            }
        }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            return ServerTLSMaterial(settings: settings, certificates: certificates, context: context, fileContents: fileContents)
        } catch {
            throw ConfigurationError(issues: [.init(keyPath: "server.tls", problem: "BoringSSL refused the settings: \(error)")])
        }
    }

    /// The certificate SNI `name` selects: an exact name first, then a wildcard, else the default (first).
    static func certificate(for name: String?, among certificates: [ServerCertificate]) -> ServerCertificate? {
        guard let name, !name.isEmpty else { return certificates.first }
        let host = CertificateNames.normalized(name)
        if let exact = certificates.first(where: { $0.names.contains(host) }) { return exact }
        if let wildcard = certificates.first(where: { CertificateNames.matches(any: $0.names, host: host) }) { return wildcard }
        return certificates.first
    }

    /// Whether any file's content differs from what was read (or a file became unreadable).
    func filesChanged() -> Bool {
        settings.files.contains { TLSFiles.contents($0) != fileContents[$0] }
    }
}
