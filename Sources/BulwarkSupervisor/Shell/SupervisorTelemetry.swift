import CoreMetrics
import Logging
import Metrics

/// The supervisor's logs and metrics for the machines' reports: restarts by reason, crash loops,
/// memory restarts, and each instance's RSS.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `bulwark_supervisor_restarts_total` | counter | `group`, `reason` = `crash` / `ready_timeout` / `spawn_failed` / `memory` |
/// | `bulwark_supervisor_crash_loops_total` | counter | `group` |
/// | `bulwark_supervisor_instance_resident_memory_bytes` | gauge | `group`, `slot` |
struct SupervisorTelemetry: Sendable {
    let factory: (any MetricsFactory)?
    let logger: Logger

    init(factory: (any MetricsFactory)?, logger: Logger) {
        self.factory = factory
        self.logger = logger
    }

    func record(_ report: ProcessGroupMachine.Report, group: String) {
        switch report {
        case .restarting(let id, let reason, let delay):
            logger.warning("instance failed; restarting", metadata: ["instance": "\(id)", "reason": "\(reason)", "delay": "\(delay.humanReadable)"])
            counter("bulwark_supervisor_restarts_total", [("group", group), ("reason", Self.reasonLabel(reason))])
        case .crashLoop(let slot, let restarts, let lastReason):
            logger.critical("crash loop: instance given up", metadata: ["group": "\(group)", "slot": "\(slot)", "restarts": "\(restarts)", "reason": "\(lastReason)"])
            counter("bulwark_supervisor_crash_loops_total", [("group", group)])
        case .memoryRestart(let id, let bytes):
            logger.warning("instance over max_memory; replacing it", metadata: ["instance": "\(id)", "rss_bytes": "\(bytes)"])
            counter("bulwark_supervisor_restarts_total", [("group", group), ("reason", "memory")])
        case .serving(let id, let port):
            logger.notice("instance ready and serving", metadata: ["instance": "\(id)", "port": "\(port)"])
        case .killed(let id):
            logger.warning("instance did not stop within stop.timeout; killed", metadata: ["instance": "\(id)"])
        }
    }

    func residentMemory(group: String, slot: Int, bytes: Int) {
        guard let factory else { return }
        Gauge(label: "bulwark_supervisor_instance_resident_memory_bytes", dimensions: [("group", group), ("slot", String(slot))], factory: factory)
            .record(Double(bytes))
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) {
        guard let factory else { return }
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }

    /// `crash`, `ready_timeout`, `spawn_failed` from a machine's reason text.
    static func reasonLabel(_ reason: String) -> String {
        if reason.hasPrefix("exit code") || reason.hasPrefix("signal") { return "crash" }
        if reason.hasPrefix("not ready within") { return "ready_timeout" }
        return "spawn_failed"
    }
}
