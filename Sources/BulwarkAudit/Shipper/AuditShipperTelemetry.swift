import Metrics

/// The shipper's metrics: `bulwark_audit_shipper_lag_events`, `bulwark_audit_shipper_lag_seconds`
/// (gauges) and `bulwark_audit_shipped_total` (records shipped).
struct AuditShipperTelemetry: Sendable {
    private let lagEvents: Gauge
    private let lagSeconds: Gauge
    private let shipped: Counter

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        lagEvents = Gauge(label: "bulwark_audit_shipper_lag_events", dimensions: [], factory: factory)
        lagSeconds = Gauge(label: "bulwark_audit_shipper_lag_seconds", dimensions: [], factory: factory)
        shipped = Counter(label: "bulwark_audit_shipped_total", dimensions: [], factory: factory)
    }

    func record(_ status: AuditShipperStatus) {
        lagEvents.record(status.lagEvents)
        lagSeconds.record(status.lagSeconds)
    }

    func shipped(_ count: Int) { shipped.increment(by: count) }
}
