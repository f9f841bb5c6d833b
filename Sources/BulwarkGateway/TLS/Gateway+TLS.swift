import BulwarkConfig
import Foundation
import Logging
import Resilience

extension Gateway {
    /// The certificates the HTTPS listener serves now (empty when it speaks plain HTTP).
    public var tlsCertificates: [TLSCertificateStatus] { runtime.certificates.statuses }

    /// Failed TLS handshakes on the listener so far, by reason (`protocol_version`,
    /// `client_certificate_missing`, `client_certificate_rejected`, `not_tls`, …).
    public var tlsHandshakeFailures: [String: Int] { runtime.certificates.telemetry.handshakeFailures }

    /// Reads every file `configuration` names — the listener's certificates, keys and client CA, the
    /// upstreams' TLS files and token-endpoint CAs — and reports what would stop the gateway from
    /// serving with them, each with its key path: a missing or unreadable file, a key that does not
    /// match its certificate, an expired certificate, a `hosts` entry the certificate does not cover, a
    /// token URL that is not https. `bulwark check` prints these.
    public static func tlsProblems(in configuration: BulwarkConfiguration, now: Date = Date()) -> [ConfigurationIssue] {
        listenerTLSProblems(in: configuration, now: now) + upstreamProblems(in: configuration)
    }

    /// What building each upstream reports: its TLS files (`upstreams.NAME.tls.…`), its credentials
    /// (`upstreams.NAME.credentials.…`: a token URL that is not https off loopback, an unreadable CA)
    /// and its breaker settings — the problems `bulwark serve` would refuse to start with. Nothing is
    /// fetched or connected.
    static func upstreamProblems(in configuration: BulwarkConfiguration) -> [ConfigurationIssue] {
        var logger = Logger(label: "bulwark.check")
        logger.logLevel = .critical
        return configuration.upstreams.flatMap { upstream -> [ConfigurationIssue] in
            do throws(ConfigurationError) {
                let cluster = try UpstreamCluster(settings: upstream, logger: logger)
                cluster.stopCredentials()
                return []
            } catch {
                return error.issues
            }
        }
    }

    private static func listenerTLSProblems(in configuration: BulwarkConfiguration, now: Date) -> [ConfigurationIssue] {
        guard let tls = configuration.server.tls else { return [] }
        do {
            _ = try ServerTLSMaterial.load(tls, now: now)
            return []
        } catch {
            return error.issues
        }
    }
}
