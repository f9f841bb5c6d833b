import BulwarkConfig
import Foundation
import Logging
import Resilience
import Synchronization

/// The HTTPS listener's certificates in force, and how they change: a reload prepares new material from
/// the files (nothing changes if that fails), then installs it; connections accepted afterwards shake
/// hands with it, and open ones keep theirs.
final class ListenerCertificates: Sendable {
    private let current: Mutex<ServerTLSMaterial?>
    let telemetry: TLSTelemetry
    /// What ALPN offers, fixed at start (`server.http2.enabled` needs a restart).
    private let applicationProtocols: [String]

    /// Loads `settings` (nil: plain HTTP). An expired certificate is served, as nginx and Caddy do (one
    /// stale name must not take every other name down at a restart), and logged at error level; the
    /// `certificate_expiring` alert reports it too. `bulwark check` and reloads refuse one.
    /// - Throws: ``ConfigurationError`` with the key path of every other problem.
    /// ALPN offers `h2` before `http/1.1` when `offersHTTP2`.
    init(
        settings: ServerTLSSettings?, offersHTTP2: Bool, telemetry: TLSTelemetry, logger: Logger, now: Date = Date()
    ) throws(ConfigurationError) {
        self.telemetry = telemetry
        let protocols = offersHTTP2 ? ["h2", "http/1.1"] : ["http/1.1"]
        self.applicationProtocols = protocols
        let material = try settings.map { settings throws(ConfigurationError) in
            try ServerTLSMaterial.load(settings, now: nil, applicationProtocols: protocols)
        }
        self.current = Mutex(material)
        guard let material else { return }
        telemetry.certificatesLoaded(material.certificates)
        for certificate in material.certificates where certificate.notValidAfter < now {
            logger.error("serving an expired TLS certificate: renew it", metadata: [
                "key": "server.tls.certificates[\(certificate.index)].cert", "file": "\(certificate.settings.certificate)",
                "expired": "\(TLSFiles.format(certificate.notValidAfter))", "subject": "\(certificate.subject)",
            ])
        }
    }

    /// The material new connections use; nil when the listener speaks plain HTTP.
    var material: ServerTLSMaterial? { current.withLock { $0 } }

    /// New material for `settings` when they or the files they name changed since the material in force
    /// was read; nil when nothing changed (or the listener is plain HTTP).
    /// - Throws: ``ConfigurationError`` when a file is missing, unreadable, expired or mismatched.
    func prepare(_ settings: ServerTLSSettings?, now: Date) throws(ConfigurationError) -> ServerTLSMaterial? {
        guard let settings, let running = material else { return nil }
        guard settings != running.settings || running.filesChanged() else { return nil }
        return try ServerTLSMaterial.load(settings, now: now, applicationProtocols: applicationProtocols)
    }

    /// Puts `material` in force for new connections.
    func install(_ material: ServerTLSMaterial) {
        current.withLock { $0 = material }
        telemetry.certificatesLoaded(material.certificates)
    }

    /// What `/health` and alerts show.
    var statuses: [TLSCertificateStatus] {
        (material?.certificates ?? []).map { certificate in
            TLSCertificateStatus(
                index: certificate.index, hosts: TLSTelemetry.hosts(of: certificate), subject: certificate.subject,
                file: certificate.settings.certificate, notValidAfter: certificate.notValidAfter
            )
        }
    }

    /// Checks the files every `interval` (`server.tls.reload_interval`, read each round) and installs
    /// what changed; a failed load keeps the certificates in force and is logged once per change of the
    /// files' content.
    func watch(settings: @escaping @Sendable () -> ServerTLSSettings?, logger: Logger) async {
        var lastRejected: [String: Data]?
        while !Task.isCancelled {
            let interval = settings()?.reloadInterval ?? ServerTLSSettings.Defaults.reloadInterval
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            guard let tls = settings() else { continue }
            do {
                guard let fresh = try prepare(tls, now: Date()) else { continue }
                install(fresh)
                lastRejected = nil
                logger.notice("TLS certificates reloaded: their files changed", metadata: ["certificates": "\(fresh.certificates.count)"])
            } catch {
                let contents = Dictionary(uniqueKeysWithValues: tls.files.map { ($0, TLSFiles.contents($0) ?? Data()) })
                guard contents != lastRejected else { continue }
                lastRejected = contents
                logger.error("TLS certificate files changed but cannot be used; the certificates in force stay", metadata: [
                    "problems": "\(error.issues.map { "\($0.keyPath): \($0.problem)" }.joined(separator: "; "))",
                ])
            }
        }
    }
}
