import Foundation

/// JSON bodies of the admin API (snake_case keys, documented in docs/operations.md).
enum APIBody {
    struct Readiness: Encodable {
        var ready: Bool
        var draining: Bool
        var routes: [Route]
        /// Critical dependency checks failing now (each makes the instance not ready).
        var failing_checks: [String]
        struct Route: Encodable {
            var route: String
            var upstream: String
            var ready: Bool
        }
    }

    struct Upstreams: Encodable {
        var upstreams: [Upstream]
        struct Upstream: Encodable {
            var name: String
            var balancer: String
            var healthy_targets: Int
            var targets: [Target]
            /// Absent for an upstream without `credentials`.
            var credentials: Credentials?
        }
        struct Target: Encodable {
            var address: String
            var healthy: Bool
            var actively_healthy: Bool
            var ejected: Bool
            var breaker: String
            var in_flight: Int
            var last_probe: Probe?
            /// Why its last failed request failed, in words; null before any.
            var last_failure: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(address, forKey: .address)
                try container.encode(healthy, forKey: .healthy)
                try container.encode(actively_healthy, forKey: .actively_healthy)
                try container.encode(ejected, forKey: .ejected)
                try container.encode(breaker, forKey: .breaker)
                try container.encode(in_flight, forKey: .in_flight)
                try container.encode(last_probe, forKey: .last_probe)
                try container.encode(last_failure, forKey: .last_failure)
            }
            enum CodingKeys: String, CodingKey { case address, healthy, actively_healthy, ejected, breaker, in_flight, last_probe, last_failure }
        }
        struct Probe: Encodable {
            var passed: Bool
            var detail: String
            var latency_ms: Double
        }
    }

    struct Circuits: Encodable {
        var circuits: [Circuit]
    }

    struct Circuit: Encodable {
        var name: String
        var upstream: String
        var target: String
        var state: String
        var failure_rate: Double
        var calls: Int
    }

    struct Alerts: Encodable {
        var alerts: [Alert]
    }

    struct OneAlert: Encodable {
        var alert: Alert
    }

    struct Performance: Encodable {
        var routes: [Route]
        struct Route: Encodable {
            var route: String
            var count: UInt64
            var errors: UInt64
            var error_rate: Double
            var rate_limited: UInt64
            var p50_ms: Double
            var p95_ms: Double
            var p99_ms: Double
            var mean_ms: Double
        }
    }

    struct History: Encodable {
        var name: String
        var window_seconds: Double
        var interval_seconds: Double
        var samples: [MetricHistory.Sample]
    }

    struct System: Encodable {
        var version: String
        var uptime_seconds: Double
        var started_at: Date
        var pid: Int32
        var rss_bytes: Int
        var cpu_seconds: Double
        var cpu_percent: Double
        var open_files: Int
        var threads: Int
        var config_hash: String
        var config_path: String?
        var hostname: String
        var listen: String
        var admin_listen: String
        /// The host's network counters since boot, per interface (`/proc/net/dev`).
        var network: [Interface]
        /// Filesystem usage of the watched directories (backup, journal, `disk` checks).
        var directories: [Directory]

        struct Interface: Encodable {
            var name: String
            var receive_bytes: UInt64
            var transmit_bytes: UInt64
            var receive_packets: UInt64
            var transmit_packets: UInt64
            var receive_errors: UInt64
            var transmit_errors: UInt64
            var receive_drops: UInt64
            var transmit_drops: UInt64

            init(_ counters: NetworkInterfaceCounters) {
                name = counters.name
                receive_bytes = counters.receiveBytes
                transmit_bytes = counters.transmitBytes
                receive_packets = counters.receivePackets
                transmit_packets = counters.transmitPackets
                receive_errors = counters.receiveErrors
                transmit_errors = counters.transmitErrors
                receive_drops = counters.receiveDrops
                transmit_drops = counters.transmitDrops
            }
        }

        struct Directory: Encodable {
            var label: String
            var path: String
            var size_bytes: UInt64?
            var available_bytes: UInt64?
            var used_ratio: Double?
            var inodes_used_ratio: Double?
            var error: String?

            init(_ directory: DirectoryUsage) {
                label = directory.label
                path = directory.path
                size_bytes = directory.usage?.totalBytes
                available_bytes = directory.usage?.availableBytes
                used_ratio = directory.usage?.spaceUsedRatio
                inodes_used_ratio = directory.usage?.inodesUsedRatio
                error = directory.error
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(label, forKey: .label)
                try container.encode(path, forKey: .path)
                try container.encode(size_bytes, forKey: .size_bytes)
                try container.encode(available_bytes, forKey: .available_bytes)
                try container.encode(used_ratio, forKey: .used_ratio)
                try container.encode(inodes_used_ratio, forKey: .inodes_used_ratio)
                try container.encode(error, forKey: .error)
            }

            enum CodingKeys: String, CodingKey {
                case label, path, size_bytes, available_bytes, used_ratio, inodes_used_ratio, error
            }
        }
    }

    /// An object with arbitrary numeric fields plus a timestamp (`/api/metrics`).
    struct Snapshot: Encodable {
        var timestamp: Date
        var values: [String: Double]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(timestamp, forKey: Key(stringValue: "timestamp"))
            for (name, value) in values { try container.encode(value.isFinite ? value : 0, forKey: Key(stringValue: name)) }
        }
    }
}
