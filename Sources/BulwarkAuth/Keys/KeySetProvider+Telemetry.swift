import Metrics

/// What caused a key set to be loaded again: the `trigger` of `bulwark_auth_key_refreshes_total`.
enum KeyRefreshTrigger: String, Sendable, Hashable, CaseIterable {
    /// ``KeySetProvider/load()``.
    case start
    /// A `jwks_url`'s refresh interval (or a retry after a failure).
    case interval
    /// A token named a `kid` the set lacks.
    case unknownKey = "unknown_kid"
    /// A `jwks_file` changed on disk.
    case fileChange = "file_change"
    /// ``KeySetProvider/reload(_:leeway:)``.
    case reload
}

/// The key-set provider's metrics:
///
/// | Metric | Labels | Meaning |
/// | --- | --- | --- |
/// | `bulwark_auth_key_refreshes_total` | `issuer`, `outcome` (`success`/`failure`), `trigger` | attempts to load a key set |
/// | `bulwark_auth_key_set_stale` | `issuer` | 1 while the set is stale (see ``KeySetStatus/stale``), else 0 |
struct KeySetTelemetry: Sendable {
    let factory: any MetricsFactory

    /// Counts one attempt to load `issuer`'s keys.
    func refreshed(_ issuer: String, succeeded: Bool, trigger: KeyRefreshTrigger) {
        Counter(
            label: "bulwark_auth_key_refreshes_total",
            dimensions: [("issuer", issuer), ("outcome", succeeded ? "success" : "failure"), ("trigger", trigger.rawValue)],
            factory: factory
        ).increment()
    }

    /// Sets `issuer`'s stale gauge.
    func stale(_ issuer: String, _ stale: Bool) {
        Gauge(label: "bulwark_auth_key_set_stale", dimensions: [("issuer", issuer)], factory: factory).record(stale ? 1 : 0)
    }
}
