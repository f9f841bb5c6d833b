import BulwarkGateway
import CoreMetrics
import Foundation
import Prometheus
import Resilience
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

    /// What one scrape shows besides what swift-metrics collected: values read from the monitor's parts
    /// at scrape time, never from its internals.
    public struct Reading: Sendable {
        /// The gateway now.
        public var snapshot: GatewaySnapshot
        /// `/health` now.
        public var health: HealthReport
        /// Open alerts.
        public var openAlerts: [Alert]
        /// The latest result of every dependency check.
        public var dependencies: [Observation.DependencyObservation]
        /// The process now.
        public var process: ProcessSample
        /// The host's network counters and watched directories now.
        public var host: HostSample
        /// Bulwark's version.
        public var version: String
        /// When the process started.
        public var startedAt: Date

        /// Creates a reading.
        public init(
            snapshot: GatewaySnapshot, health: HealthReport, openAlerts: [Alert], dependencies: [Observation.DependencyObservation],
            process: ProcessSample, host: HostSample, version: String, startedAt: Date
        ) {
            self.snapshot = snapshot
            self.health = health
            self.openAlerts = openAlerts
            self.dependencies = dependencies
            self.process = process
            self.host = host
            self.version = version
            self.startedAt = startedAt
        }
    }

    /// The exposition text, after refreshing the scrape-time gauges from `reading`.
    public func render(_ reading: Reading) -> String {
        refresh(reading)
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Self.addingHelp(to: String(decoding: bytes, as: UTF8.self))
    }

    private let counted = CounterMirror()

    private func refresh(_ reading: Reading) {
        let snapshot = reading.snapshot
        gauge("bulwark_build_info", [("version", reading.version)]).set(to: 1)
        gauge("bulwark_http_requests_in_flight").set(to: Double(snapshot.inFlight))
        for target in snapshot.targets {
            let labels = [("upstream", target.upstream), ("target", target.target)]
            gauge("bulwark_upstream_target_healthy", labels).set(to: target.serving ? 1 : 0)
            gauge("bulwark_upstream_target_ejected", labels).set(to: target.ejected ? 1 : 0)
            if let breaker = target.breaker {
                for state in CircuitBreakerState.allCases {
                    gauge("bulwark_upstream_circuit_breaker_state", labels + [("state", state.rawValue)]).set(to: breaker == state ? 1 : 0)
                }
            }
        }
        for upstream in snapshot.upstreamNames {
            let serving = snapshot.targets.filter { $0.upstream == upstream && $0.serving }.count
            gauge("bulwark_upstream_healthy_targets", [("upstream", upstream)]).set(to: Double(serving))
        }
        gauge("bulwark_ready").set(to: reading.health.ready ? 1 : 0)
        gauge("bulwark_health_score").set(to: Double(reading.health.score))
        for severity in AlertSeverity.allCases {
            gauge("bulwark_alerts_open", [("severity", severity.rawValue)])
                .set(to: Double(reading.openAlerts.filter { $0.severity == severity }.count))
        }
        for dependency in reading.dependencies {
            gauge("bulwark_dependency_up", [("name", dependency.name)]).set(to: dependency.isUp ? 1 : 0)
            if let latency = dependency.latency {
                gauge("bulwark_dependency_latency_seconds", [("name", dependency.name)]).set(to: latency.seconds)
            }
        }
        refreshHost(reading.host)
        let process = reading.process
        gauge("bulwark_process_resident_memory_bytes").set(to: Double(process.residentBytes))
        gauge("bulwark_process_open_fds").set(to: Double(process.openFiles))
        gauge("bulwark_process_threads").set(to: Double(process.threads))
        gauge("bulwark_process_start_time_seconds").set(to: reading.startedAt.timeIntervalSince1970)
        counter("bulwark_process_cpu_seconds_total", [], to: process.cpuSeconds)
    }

    private func refreshHost(_ host: HostSample) {
        for interface in host.network {
            let labels = [("interface", interface.name)]
            counter("bulwark_host_network_receive_bytes_total", labels, to: Double(interface.receiveBytes))
            counter("bulwark_host_network_transmit_bytes_total", labels, to: Double(interface.transmitBytes))
            counter("bulwark_host_network_receive_errors_total", labels, to: Double(interface.receiveErrors))
            counter("bulwark_host_network_transmit_errors_total", labels, to: Double(interface.transmitErrors))
            counter("bulwark_host_network_receive_drops_total", labels, to: Double(interface.receiveDrops))
            counter("bulwark_host_network_transmit_drops_total", labels, to: Double(interface.transmitDrops))
        }
        for directory in host.directories {
            guard let usage = directory.usage else { continue }
            let labels = [("directory", directory.label), ("path", directory.path)]
            gauge("bulwark_directory_filesystem_size_bytes", labels).set(to: Double(usage.totalBytes))
            gauge("bulwark_directory_filesystem_available_bytes", labels).set(to: Double(usage.availableBytes))
            gauge("bulwark_directory_filesystem_used_ratio", labels).set(to: usage.spaceUsedRatio)
            if let inodes = usage.inodesUsedRatio {
                gauge("bulwark_directory_filesystem_inodes_used_ratio", labels).set(to: inodes)
            }
        }
    }

    /// Moves the counter `name` forward to `value`, an absolute count read from the system.
    private func counter(_ name: String, _ labels: [(String, String)], to value: Double) {
        let key = ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1}")
        let increase = counted.advance(key, to: value)
        registry.makeCounter(descriptor: Self.descriptor(name), labels: labels).increment(by: increase)
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

/// Absolute counts read from the system (CPU seconds, interface bytes) become counter increments: each
/// moves forward by the increase since the last scrape. A count that went down (an interface reset)
/// is taken as the new base, adding nothing.
final class CounterMirror: Sendable {
    private let last = Mutex<[String: Double]>([:])

    func advance(_ key: String, to value: Double) -> Double {
        last.withLock { last in
            let previous = last[key] ?? 0
            last[key] = value
            return max(0, value - previous)
        }
    }
}
