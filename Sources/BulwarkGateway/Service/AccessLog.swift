import BulwarkConfig
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One finished request, as written to the access log.
struct AccessLogEntry {
    var requestID: String
    var method: String
    var path: String
    var status: Int
    var route: String?
    var target: String?
    var attempts: Int
    var durationNanoseconds: Int64
    var client: String
    var bytesSent: Int
}

/// JSON-lines access log. Lines are collected in a buffer and written in batches (when 32 KiB are
/// pending, and at least every 200 ms by ``flush()``), so logging costs no syscall per request.
final class AccessLog: Sendable {
    private let fileDescriptor: Int32?
    private let pending = Mutex<[UInt8]>([])
    static let batchBytes = 32 * 1024

    init(destination: AccessLogDestination) throws {
        switch destination {
        case .off:
            fileDescriptor = nil
        case .stdout:
            fileDescriptor = 1
        case .file(let path):
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw AccessLogError(path: path, errno: errno) }
            fileDescriptor = descriptor
        }
    }

    var isEnabled: Bool { fileDescriptor != nil }

    func record(_ entry: AccessLogEntry) {
        guard fileDescriptor != nil else { return }
        let line = Self.render(entry)
        let batch: [UInt8]? = pending.withLock { buffer in
            buffer.append(contentsOf: line.utf8)
            guard buffer.count >= Self.batchBytes else { return nil }
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if let batch { write(batch) }
    }

    /// Writes whatever is pending.
    func flush() {
        guard fileDescriptor != nil else { return }
        let batch = pending.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !batch.isEmpty { write(batch) }
    }

    private func write(_ bytes: [UInt8]) {
        guard let fileDescriptor else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }

    static func render(_ entry: AccessLogEntry) -> String {
        let millis = Double(entry.durationNanoseconds / 1000) / 1000
        var line = "{\"time\":\"\(timestamp())\",\"request_id\":\(GatewayResponses.jsonString(entry.requestID))"
        line += ",\"method\":\(GatewayResponses.jsonString(entry.method)),\"path\":\(GatewayResponses.jsonString(entry.path))"
        line += ",\"status\":\(entry.status),\"route\":\(entry.route.map(GatewayResponses.jsonString) ?? "null")"
        line += ",\"target\":\(entry.target.map(GatewayResponses.jsonString) ?? "null"),\"attempts\":\(entry.attempts)"
        line += ",\"duration_ms\":\(millis),\"client\":\(GatewayResponses.jsonString(entry.client)),\"bytes\":\(entry.bytesSent)}\n"
        return line
    }

    /// UTC time with milliseconds: `2026-11-23T09:05:43.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}

/// The access log file cannot be opened.
struct AccessLogError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "server.access_log: cannot open \(path): \(String(cString: strerror(errno)))" }
}
