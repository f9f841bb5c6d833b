import BulwarkGateway
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// `GET /metrics`: a swift-prometheus registry that swift-metrics writes into (through ``factory``),
/// plus gauges read from the gateway and the process at scrape time. The text passes
/// `promtool check metrics`: every family has `# HELP` and `# TYPE`, counters end in `_total`.
public final class PrometheusExporter: Sendable {
    /// The registry everything is collected in.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into ``registry``; bootstrap `MetricsSystem` with it to get the
    /// core policies' metrics too.
    public let factory: PrometheusMetricsFactory

    /// Buckets of `bulwark_http_request_duration_seconds`.
    public static let requestDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Creates an exporter with its own registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.requestDurationBuckets
        self.registry = registry
        self.factory = factory
    }

    /// The exposition text, after refreshing the scrape-time gauges from `monitor`.
    public func render(monitor: HealthMonitor, process: ProcessSample) -> String {
        refresh(monitor: monitor, process: process)
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Self.addingHelp(to: String(decoding: bytes, as: UTF8.self))
    }

    private let cpuCounted = CPUCounterState()

    private func refresh(monitor: HealthMonitor, process: ProcessSample) {
        let gateway = monitor.gateway
        gauge("bulwark_build_info", [("version", monitor.version)]).set(to: 1)
        gauge("bulwark_http_requests_in_flight").set(to: Double(gateway.telemetry.inFlight))
        for target in HealthMonitor.targets(of: gateway) {
            let labels = [("upstream", target.upstream), ("target", target.target)]
            gauge("bulwark_upstream_target_healthy", labels).set(to: target.serving ? 1 : 0)
            gauge("bulwark_upstream_target_ejected", labels).set(to: target.ejected ? 1 : 0)
            if target.breaker != "none" {
                for state in ["closed", "open", "half_open", "forced_open", "disabled"] {
                    gauge("bulwark_upstream_circuit_breaker_state", labels + [("state", state)])
                        .set(to: target.breaker == state ? 1 : 0)
                }
            }
        }
        let targets = HealthMonitor.targets(of: gateway)
        for upstream in gateway.upstreams {
            let serving = targets.filter { $0.upstream == upstream.name && $0.serving }.count
            gauge("bulwark_upstream_healthy_targets", [("upstream", upstream.name)]).set(to: Double(serving))
        }
        let health = monitor.healthReport()
        gauge("bulwark_ready").set(to: health.ready ? 1 : 0)
        gauge("bulwark_health_score").set(to: Double(health.score))
        let open = monitor.openAlerts()
        for severity in AlertSeverity.allCases {
            gauge("bulwark_alerts_open", [("severity", severity.rawValue)])
                .set(to: Double(open.filter { $0.severity == severity }.count))
        }
        gauge("bulwark_process_resident_memory_bytes").set(to: Double(process.residentBytes))
        gauge("bulwark_process_open_fds").set(to: Double(process.openFiles))
        gauge("bulwark_process_threads").set(to: Double(process.threads))
        gauge("bulwark_process_start_time_seconds").set(to: monitor.startedAt.timeIntervalSince1970)
        let increase = cpuCounted.advance(to: process.cpuSeconds)
        registry.makeCounter(descriptor: Self.descriptor("bulwark_process_cpu_seconds_total")).increment(by: increase)
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name), labels: labels)
    }

    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: MetricHelp.text(for: name))
    }

    /// Inserts a `# HELP` line before every `# TYPE` line that lacks one.
    static func addingHelp(to text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 4096)
        var previous = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if !previous.hasPrefix("# HELP \(name) ") {
                    output += "# HELP \(name) \(MetricHelp.text(for: String(name)))\n"
                }
            }
            output += line
            output += "\n"
            previous = String(line)
        }
        while output.hasSuffix("\n\n") { output.removeLast() }
        return output
    }
}

/// The CPU counter only moves forward by the increase since the last scrape.
final class CPUCounterState: Sendable {
    private let last = Mutex<Double>(0)

    func advance(to seconds: Double) -> Double {
        last.withLock { last in
            let increase = max(0, seconds - last)
            last = max(last, seconds)
            return increase
        }
    }
}
