import BulwarkConfig
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CoreMetrics
import NIOPosix
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
    /// The verified token's subject on a route with `auth` on (`actor`; left out otherwise).
    var actor: String? = nil
}

/// JSON-lines access log, written off the event loop.
///
/// ``record(_:)`` renders the line and appends it to a bounded in-memory buffer under a lock; it never
/// makes a syscall. Once ``batchBytes`` are pending, a job on NIO's blocking thread pool writes them out
/// (one `write` per batch, lines in order). If the destination is slower than the traffic and
/// ``maximumPendingBytes`` are already waiting, new lines are dropped and counted in
/// `bulwark_access_log_dropped_total` instead of stalling requests. ``flush()`` writes everything pending
/// before it returns (the gateway calls it every 200 ms and at the end of a drain).
///
/// A file named by `server.access_log` is opened for appending and, when it is created, created 0600:
/// access logs hold client addresses.
final class AccessLog: Sendable {
    /// Pending bytes that make the writer run.
    static let batchBytes = 32 * 1024
    /// The default ``maximumPendingBytes``: 4 MiB, some 16,000 lines.
    static let defaultMaximumPendingBytes = 4 * 1024 * 1024

    private struct Pending {
        var bytes: [UInt8] = []
        /// Whether a write job has been submitted and has not yet found the buffer empty.
        var writerScheduled = false
    }

    private let fileDescriptor: Int32?
    /// The most bytes waiting to be written; lines beyond are dropped.
    let maximumPendingBytes: Int
    private let pending = Mutex(Pending())
    /// Held while writing, so batches reach the file in the order they were taken.
    private let writing = Mutex(())
    private let dropped: Counter
    /// Where batches are written; NIO's shared blocking pool when nil (started only once a line is logged).
    private let threadPool: NIOThreadPool?

    /// Opens `destination`.
    /// - Parameters:
    ///   - maximumPendingBytes: the buffer's bound. Defaults to ``defaultMaximumPendingBytes``.
    ///   - metricsFactory: where `bulwark_access_log_dropped_total` goes. Defaults to `MetricsSystem.factory`.
    convenience init(
        destination: AccessLogDestination,
        maximumPendingBytes: Int = AccessLog.defaultMaximumPendingBytes,
        metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        let descriptor: Int32?
        switch destination {
        case .off:
            descriptor = nil
        case .stdout:
            descriptor = 1
        case .file(let path):
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard opened >= 0 else { throw AccessLogError(path: path, errno: errno) }
            descriptor = opened
        }
        self.init(fileDescriptor: descriptor, maximumPendingBytes: maximumPendingBytes, metricsFactory: metricsFactory)
    }

    /// Writes to an open descriptor (`nil`: logging off). The descriptor is not closed by the log.
    init(
        fileDescriptor: Int32?,
        maximumPendingBytes: Int = AccessLog.defaultMaximumPendingBytes,
        metricsFactory: (any MetricsFactory)? = nil,
        threadPool: NIOThreadPool? = nil
    ) {
        self.fileDescriptor = fileDescriptor
        self.maximumPendingBytes = max(maximumPendingBytes, 1)
        self.dropped = Counter(label: "bulwark_access_log_dropped_total", factory: metricsFactory ?? MetricsSystem.factory)
        self.threadPool = threadPool
    }

    var isEnabled: Bool { fileDescriptor != nil }

    /// Queues one line; never blocks on I/O.
    func record(_ entry: AccessLogEntry) {
        guard fileDescriptor != nil else { return }
        let line = Self.render(entry)
        enum Outcome { case queued, scheduleWriter, dropped }
        let outcome: Outcome = pending.withLock { pending in
            guard pending.bytes.count + line.utf8.count <= maximumPendingBytes else { return .dropped }
            pending.bytes.append(contentsOf: line.utf8)
            guard pending.bytes.count >= Self.batchBytes, !pending.writerScheduled else { return .queued }
            pending.writerScheduled = true
            return .scheduleWriter
        }
        switch outcome {
        case .queued: break
        case .dropped: dropped.increment()
        case .scheduleWriter: (threadPool ?? .singleton).submit { [self] _ in writePending() }
        }
    }

    /// Writes everything pending (and waits for a write in progress) before returning. Blocks: call it
    /// off the event loop.
    func flush() {
        guard fileDescriptor != nil else { return }
        writePending()
    }

    /// Takes and writes batches until the buffer is empty.
    private func writePending() {
        writing.withLock { _ in
            while true {
                let batch = pending.withLock { pending -> [UInt8] in
                    if pending.bytes.isEmpty {
                        pending.writerScheduled = false
                        return []
                    }
                    var batch: [UInt8] = []
                    swap(&batch, &pending.bytes)
                    pending.bytes.reserveCapacity(Self.batchBytes)
                    return batch
                }
                if batch.isEmpty { return }
                write(batch)
            }
        }
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
        line += ",\"duration_ms\":\(millis),\"client\":\(GatewayResponses.jsonString(entry.client)),\"bytes\":\(entry.bytesSent)"
        if let actor = entry.actor { line += ",\"actor\":\(GatewayResponses.jsonString(actor))" }
        line += "}\n"
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
