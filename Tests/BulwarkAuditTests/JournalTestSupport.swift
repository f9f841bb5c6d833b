import BulwarkAudit
import Foundation
import InMemoryLogging
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under the system temp directory (0700), removed by ``remove()``.
final class JournalTemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/bulwark-journal-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw JournalTestError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    /// The journal directory inside it (created by the journal).
    var journal: String { path + "/journal" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct JournalTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum JournalFixtures {
    /// A logger whose lines the test can read.
    static func logger() -> (Logger, InMemoryLogHandler) {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        return (Logger(label: "journal-test", factory: { _ in handler }), handler)
    }

    /// A request record numbered `index` (its path and request id say which).
    static func entry(_ index: Int) -> AuditEntry {
        var entry = AuditEntry(kind: .request, id: AuditEventID(), time: Date(timeIntervalSince1970: 1_764_000_000 + Double(index)))
        entry.method = "POST"
        entry.path = "/orders/\(index)"
        entry.requestID = "req-\(index)"
        entry.status = 201
        entry.actor = "user-\(index % 7)"
        return entry
    }

    /// Every record the reader yields, with its position.
    static func records(in directory: String) throws -> [(record: AuditRecord, position: AuditRecordPosition)] {
        var records: [(AuditRecord, AuditRecordPosition)] = []
        try AuditJournalReader(directory: directory).forEachRecord { record, position in
            records.append((record, position))
            return true
        }
        return records
    }

    /// The journal's segment files, oldest first (full paths).
    static func segments(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("segment-") && $0.hasSuffix(".log") }
            .sorted()
            .map { directory + "/" + $0 }
    }

    /// Appends `count` records, each waiting for disk, one after another.
    static func write(_ count: Int, from first: Int = 1, to journal: AuditJournal) async throws {
        for index in first..<(first + count) {
            try await journal.record(entry(index))
        }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw JournalTestError("cannot read \(path)") }
        return Array(data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw JournalTestError("cannot write \(path)") }
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        try write(try self.bytes(path) + bytes, to: path)
    }

    /// A segment header: `BWAUDIT1` and the first sequence, little-endian.
    static func header(first: UInt64) -> [UInt8] {
        Array("BWAUDIT1".utf8) + withUnsafeBytes(of: first.littleEndian) { Array($0) }
    }

    /// The framed bytes of records `1...count` of a consistent chain of `entries`.
    static func chain(_ entries: [AuditEntry], first: UInt64 = 1, previous: [UInt8] = AuditChain.genesis) throws -> [UInt8] {
        var bytes = [UInt8]()
        var head = previous
        for (offset, entry) in entries.enumerated() {
            let (frame, record) = try AuditRecord.encode(entry, sequence: first + UInt64(offset), previousHash: head)
            bytes += frame
            head = record.hash
        }
        return bytes
    }

    /// The file's mode bits.
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        _ = stat(path, &info)
        return info.st_mode & 0o777
    }
}
