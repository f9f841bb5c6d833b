import BulwarkAudit
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Durable audit events per second: the journal with group commit (many writers waiting for disk at
/// once, one `fsync` per batch) against one `fdatasync` per event on the same disk (the physical limit
/// of a journal without group commit: encode the record, `write`, `fdatasync`, in a loop).
///
/// Every variant runs for `seconds` in each of `rounds` interleaved rounds, in a fresh directory under
/// `directory` (give one on the disk that matters); the medians are printed.
///
/// Usage: AuditBenchmarks [seconds=5] [rounds=3] [directory=$TMPDIR] [writers=1,16,64,256]
@main
struct AuditBenchmarks {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 5 : 5
        let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
        let base = arguments.count > 3 ? arguments[3] : NSTemporaryDirectory()
        let writerCounts = arguments.count > 4 ? arguments[4].split(separator: ",").compactMap { Int($0) } : [1, 16, 64, 256]
        let duration = Duration.milliseconds(Int(seconds * 1000))

        var variants = ["one fdatasync per event"]
        variants += writerCounts.map { "journal, \($0) writers" }
        var results: [String: [Figures]] = [:]
        for round in 1...rounds {
            for variant in variants {
                let directory = "\(base)/bulwark-audit-bench-\(UUID().uuidString.prefix(8))"
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let figures: Figures
                if let writers = writerCounts.first(where: { variant == "journal, \($0) writers" }) {
                    figures = try await journal(directory: directory, writers: writers, for: duration)
                } else {
                    figures = try fdatasyncPerEvent(directory: directory, for: duration)
                }
                print("round \(round)  " + pad(variant, 26) + String(format: "%9.0f events/s  %7.1f events/fsync", figures.eventsPerSecond, figures.eventsPerSync))
                results[variant, default: []].append(figures)
            }
        }

        print()
        print("Durable events per second (median of \(rounds) rounds of \(seconds) s; entry of \(try sampleRecordBytes()) bytes on disk)")
        let floor = median(results[variants[0]]!.map(\.eventsPerSecond))
        print(pad("variant", 28) + pad("events/s", 12) + pad("events/fsync", 14) + "x one fdatasync per event")
        for variant in variants {
            let rate = median(results[variant]!.map(\.eventsPerSecond))
            let batch = median(results[variant]!.map(\.eventsPerSync))
            print(pad(variant, 28) + pad(String(format: "%.0f", rate), 12) + pad(String(format: "%.1f", batch), 14) + String(format: "%.2fx", rate / floor))
        }
    }

    struct Figures {
        var eventsPerSecond: Double
        var eventsPerSync: Double
    }

    /// A typical gateway `request` record.
    static func entry() -> AuditEntry {
        var entry = AuditEntry(kind: .request, id: AuditEventID(), time: Date())
        entry.actor = "user-42"
        entry.client = "127.0.0.1"
        entry.requestID = "5b0e7c1e-0d8b-4c43-9f0b-3d3c8a1f2e77"
        entry.method = "POST"
        entry.path = "/api/orders/12345"
        entry.route = "orders"
        entry.status = 201
        entry.target = "127.0.0.1:3001"
        return entry
    }

    static func sampleRecordBytes() throws -> Int {
        try AuditRecord.encode(entry(), sequence: 1, previousHash: [UInt8](repeating: 0, count: 32)).bytes.count
    }

    /// `writers` tasks each recording one event after another, every one waiting for disk.
    static func journal(directory: String, writers: Int, for duration: Duration) async throws -> Figures {
        var logger = Logger(label: "audit-bench")
        logger.logLevel = .error
        let journal = try AuditJournal(directory: directory, logger: logger)
        defer { journal.close() }
        let before = journal.status
        let deadline = ContinuousClock.now + duration
        let start = ContinuousClock.now
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        _ = try await journal.record(entry(), waitForDisk: true)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let after = journal.status
        let batches = Double(after.batches - before.batches)
        return Figures(eventsPerSecond: Double(written) / elapsed.seconds, eventsPerSync: batches == 0 ? 0 : Double(written) / batches)
    }

    /// One thread: encode the next chained record, append it, `fdatasync`, repeat.
    static func fdatasyncPerEvent(directory: String, for duration: Duration) throws -> Figures {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open("\(directory)/segment", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchmarkError("open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var previous = [UInt8](repeating: 0, count: 32)
        var sequence: UInt64 = 0
        let deadline = ContinuousClock.now + duration
        let start = ContinuousClock.now
        while ContinuousClock.now < deadline {
            sequence += 1
            let (bytes, record) = try AuditRecord.encode(entry(), sequence: sequence, previousHash: previous)
            previous = record.hash
            let wrote = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard wrote == bytes.count else { throw BenchmarkError("write: \(String(cString: strerror(errno)))") }
            guard fdatasync(descriptor) == 0 else { throw BenchmarkError("fdatasync: \(String(cString: strerror(errno)))") }
        }
        let elapsed = ContinuousClock.now - start
        return Figures(eventsPerSecond: Double(sequence) / elapsed.seconds, eventsPerSync: 1)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
