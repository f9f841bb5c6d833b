import CoreMetrics
import Foundation
import Synchronization

/// The HTTPS listener's metrics: `bulwark_tls_certificate_expiry_timestamp_seconds{host}` (one series
/// per name served, set on every (re)load) and `bulwark_tls_handshake_failures_total{reason}` (see
/// ``ListenerHandshakeFailure``), with the counts kept for the admin API.
final class TLSTelemetry: Sendable {
    private let factory: any MetricsFactory
    private let failures: [ListenerHandshakeFailure: Counter]
    private let failureCounts = Mutex<[ListenerHandshakeFailure: Int]>([:])
    private let expiryGauges = Mutex<[String: Gauge]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
        var failures: [ListenerHandshakeFailure: Counter] = [:]
        for reason in ListenerHandshakeFailure.allCases {
            failures[reason] = Counter(label: "bulwark_tls_handshake_failures_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.failures = failures
    }

    func handshakeFailed(_ reason: ListenerHandshakeFailure) {
        failures[reason]?.increment()
        failureCounts.withLock { $0[reason, default: 0] += 1 }
    }

    /// Handshake failures so far, by reason label.
    var handshakeFailures: [String: Int] {
        failureCounts.withLock { counts in Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }) }
    }

    /// Sets the expiry series of every certificate's names, and drops the series of names no longer
    /// served (so an expiry alert on a name removed by a reload stops).
    func certificatesLoaded(_ certificates: [ServerCertificate]) {
        expiryGauges.withLock { gauges in
            let served = Set(certificates.flatMap(Self.hosts(of:)))
            for (host, gauge) in gauges where !served.contains(host) {
                gauge.destroy()
                gauges[host] = nil
            }
            for certificate in certificates {
                for host in Self.hosts(of: certificate) {
                    let gauge = gauges[host] ?? Gauge(label: "bulwark_tls_certificate_expiry_timestamp_seconds", dimensions: [("host", host)], factory: factory)
                    gauges[host] = gauge
                    gauge.record(certificate.notValidAfter.timeIntervalSince1970.rounded())
                }
            }
        }
    }

    /// The `host` labels of a certificate: the names it is served for, else its SANs, else its subject.
    static func hosts(of certificate: ServerCertificate) -> [String] {
        if !certificate.names.isEmpty { return certificate.names }
        if !certificate.subjectAlternativeNames.isEmpty { return certificate.subjectAlternativeNames }
        return [certificate.subject]
    }
}
