import Logging
import Metrics

/// Turns bulkhead activity into metrics, debug log lines and ``BulkheadEvent``s.
struct BulkheadTelemetry: Sendable {
    let name: String
    let logger: Logger
    let onEvent: (@Sendable (BulkheadEvent) -> Void)?
    let concurrent: Gauge
    let waiting: Gauge
    let rejectedFull: Counter
    let rejectedTimedOut: Counter

    init(configuration: BulkheadConfiguration) {
        name = configuration.name
        logger = configuration.logger
        onEvent = configuration.onEvent
        concurrent = Gauge(label: "bulwark_bulkhead_concurrent_calls", dimensions: [("bulkhead", name)])
        waiting = Gauge(label: "bulwark_bulkhead_waiting_calls", dimensions: [("bulkhead", name)])
        rejectedFull = Counter(label: "bulwark_bulkhead_rejections_total", dimensions: [("bulkhead", name), ("reason", "full")])
        rejectedTimedOut = Counter(label: "bulwark_bulkhead_rejections_total", dimensions: [("bulkhead", name), ("reason", "wait_timed_out")])
    }

    func permitted(queued: Bool, usage: (inFlight: Int, waiting: Int)) {
        concurrent.record(usage.inFlight)
        waiting.record(usage.waiting)
        onEvent?(.callPermitted(bulkhead: name, queued: queued))
    }

    func finished(usage: (inFlight: Int, waiting: Int)) {
        concurrent.record(usage.inFlight)
        waiting.record(usage.waiting)
        onEvent?(.callFinished(bulkhead: name))
    }

    func rejected(_ reason: BulkheadFullError.Reason) {
        (reason == .full ? rejectedFull : rejectedTimedOut).increment()
        logger.debug("bulkhead '\(name)' rejected a call", metadata: ["bulkhead": "\(name)", "reason": "\(reason.rawValue)"])
        onEvent?(.callRejected(bulkhead: name, reason: reason))
    }
}
