import Logging
import Metrics

/// The metrics and log lines of ``TokenRevocation``:
///
/// | metric | meaning |
/// | --- | --- |
/// | `bulwark_auth_revocations_total{source}` | revocations applied: `admin`, `logout`, `peer` (from another gateway) |
/// | `bulwark_auth_revocation_entries` | entries in this gateway's list |
/// | `bulwark_auth_revocation_store_up` | 1 while the list is in step with the store, 0 otherwise (alert on it) |
///
/// The switch between in step and not is logged once each way; entries appear only by
/// ``RevocationEntry/logLabel``.
struct RevocationTelemetry: Sendable {
    let logger: Logger
    private let revocations: [String: Counter]
    private let entries: Gauge
    private let storeUp: Gauge

    init(logger: Logger, factory: any MetricsFactory) {
        self.logger = logger
        var revocations: [String: Counter] = [:]
        for source in RevocationOrigin.allCases.map(\.rawValue) + ["peer"] {
            revocations[source] = Counter(label: "bulwark_auth_revocations_total", dimensions: [("source", source)], factory: factory)
        }
        self.revocations = revocations
        entries = Gauge(label: "bulwark_auth_revocation_entries", factory: factory)
        storeUp = Gauge(label: "bulwark_auth_revocation_store_up", factory: factory)
        entries.record(0)
        storeUp.record(0)
    }

    func revoked(source: String) { revocations[source]?.increment() }

    func entries(_ count: Int) { entries.record(count) }

    /// Records a change of the store's reachability (`previous` nil: the first load).
    func reachability(_ reachable: Bool, previous: Bool?, reason: String?, entries count: Int) {
        storeUp.record(reachable ? 1 : 0)
        switch (previous, reachable) {
        case (nil, true):
            logger.info("revocation list loaded from the store", metadata: ["entries": "\(count)"])
        case (_, true):
            logger.notice("revocation store reachable again; the list is in step", metadata: ["entries": "\(count)"])
        case (_, false):
            logger.warning(
                "revocation store unreachable: \(reason ?? "unknown"); tokens are checked against this gateway's copy only (on_store_failure decides the others)",
                metadata: ["entries": "\(count)"]
            )
        }
    }
}
