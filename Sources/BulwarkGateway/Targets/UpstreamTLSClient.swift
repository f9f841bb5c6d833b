import BulwarkConfig
import NIOCore
import NIOSSL
import Resilience

/// The client side of TLS to one upstream's `https://` targets: one `NIOSSLContext`, built when the
/// upstream is built from `upstreams.NAME.tls`, shared by every connection and health probe to its
/// targets (so pooled TLS connections and probes verify the same way).
///
/// Certificates are verified against the system trust store, or `tls.ca` when set; `verify: false`
/// turns verification off entirely. SNI and the verified name are `tls.server_name`, else the target's
/// host (no SNI for an IP literal, as curl does: the certificate must then name the address). ALPN
/// offers `http/1.1`; a client certificate is presented when `client_cert` and `client_key` are set.
final class UpstreamTLSClient: Sendable {
    /// The shared context.
    let context: NIOSSLContext
    /// The settings it was built from.
    let settings: UpstreamTLSSettings

    /// Loads the files `settings` names and builds the context.
    /// - Parameter keyPath: where the settings live, e.g. `upstreams.vendor.tls`, for problems.
    /// - Throws: ``ConfigurationError`` naming each file that cannot be used, e.g.
    ///   `upstreams.vendor.tls.ca: cannot read /x.pem: no such file`.
    init(settings: UpstreamTLSSettings, keyPath: String) throws(ConfigurationError) {
        self.settings = settings
        let configuration = try settings.makeClientTLSConfiguration(keyPath: keyPath)
        do {
            self.context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: keyPath, problem: "cannot set up TLS: \(TLSHandshakeFailure.words(for: error))")])
        }
    }

    /// The name sent in SNI for `target`: `server_name`, else its host unless that is an IP literal.
    func serverName(for target: TargetURL) -> String? {
        if let name = settings.serverName { return name }
        return TargetAddressRefresher.isHostName(target.host) ? target.host : nil
    }

    /// The name the certificate must match for `target` (its address when there is no SNI name).
    func verifiedName(for target: TargetURL) -> String {
        serverName(for: target) ?? target.host
    }

    /// Puts TLS in front of whatever `channel` gets next: the BoringSSL handler, then a
    /// ``UpstreamTLSHandshake`` that reports the handshake's outcome (within `timeout`).
    func addHandlers(to channel: any Channel, target: TargetURL, timeout: TimeAmount) throws {
        // NIOSSL accepts a certificate for the dialled IP address as well as for the name; a name must
        // be in the certificate itself, so the handshake checks it again (DNS names only).
        let name = serverName(for: target)
        let handshake = UpstreamTLSHandshake(
            verifiedName: verifiedName(for: target), requiredDNSName: settings.verify ? name : nil,
            timeout: timeout, eventLoop: channel.eventLoop
        )
        let handler: NIOSSLClientHandler
        if settings.verify {
            handler = try CertificateVerdictObserver.makeHandler(context: context, serverHostname: serverName(for: target)) { reason in
                handshake.certificateRefused(reason)
            }
        } else {
            handler = try NIOSSLClientHandler(context: context, serverHostname: serverName(for: target))
        }
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(handshake)
    }
}

extension UpstreamTLSSettings {
    /// The client-side `TLSConfiguration` these settings describe, as the gateway uses it for an
    /// upstream's `https://` targets: the system trust store or the CAs of ``ca``, the client certificate
    /// and key of ``clientCertificate``/``clientKey`` (mutual TLS), certificate verification off when
    /// ``verify`` is false, and ALPN `http/1.1`. ``serverName`` is not part of it: SNI and the verified name
    /// are chosen per connection.
    ///
    /// ```swift
    /// var client = HTTPClient.Configuration()
    /// client.tlsConfiguration = try settings.makeClientTLSConfiguration(keyPath: "health.checks[1].tls")
    /// ```
    ///
    /// - Parameter keyPath: where the settings live, e.g. `upstreams.vendor.tls`, for problems.
    /// - Throws: ``ConfigurationError`` naming each file that cannot be used (unreadable, not PEM, a client
    ///   key that does not match its certificate), keyed under `keyPath`.
    public func makeClientTLSConfiguration(keyPath: String) throws(ConfigurationError) -> TLSConfiguration {
        let material = try UpstreamTLSMaterial.load(self, keyPath: keyPath)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["http/1.1"]
        configuration.certificateVerification = verify ? .fullVerification : .none
        if let roots = material.trustRoots { configuration.trustRoots = .certificates(roots) }
        if let identity = material.clientIdentity {
            configuration.certificateChain = identity.chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(identity.key)
        }
        return configuration
    }
}
