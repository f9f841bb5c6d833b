import Foundation
import Synchronization
import Testing

@testable import BulwarkGateway

@Suite("Access log", .timeLimit(.minutes(1)))
struct AccessLogTests {
    static func entry(_ index: Int) -> AccessLogEntry {
        AccessLogEntry(
            requestID: String(format: "req-%06d", index), method: "GET", path: "/items/\(index)", status: 200,
            route: "/", target: "127.0.0.1:8080", attempts: 1, durationNanoseconds: 1_234_567, client: "192.0.2.1",
            bytesSent: 42
        )
    }

    /// The request numbers of `text`'s lines, checking that each line is a whole record.
    static func requestNumbers(_ text: String) -> [Int] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            #expect(line.hasPrefix("{\"time\":\"") && line.hasSuffix("\"bytes\":42}"), "a whole line: \(line.prefix(80))")
            guard let range = line.range(of: "\"request_id\":\"req-") else { return -1 }
            return Int(line[range.upperBound...].prefix(6)) ?? -1
        }
    }

    @Test("lines reach the file complete and in order by the time flush returns; a new file is 0600")
    func linesInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("access.log").path
        let log = try AccessLog(destination: .file(path), metricsFactory: CountingMetrics())
        let count = 3_000   // several batches: most are written by the background writer, the rest by flush
        for index in 0..<count { log.record(Self.entry(index)) }
        log.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        #expect(Self.requestNumbers(text) == Array(0..<count))
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test("when the destination stalls, a full buffer drops and counts lines instead of blocking")
    func fullBufferDrops() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        let metrics = CountingMetrics()
        let log = AccessLog(fileDescriptor: writeEnd, maximumPendingBytes: 64 * 1024, metricsFactory: metrics)
        // Nobody reads the pipe yet: the writer blocks once the pipe is full, the buffer fills, and the
        // rest is dropped. Every call returns.
        let count = 5_000
        for index in 0..<count { log.record(Self.entry(index)) }
        let dropped = Int(metrics.total("bulwark_access_log_dropped_total"))
        #expect(dropped > 0 && dropped < count)

        let reader = PipeReader(fd: readEnd)
        reader.start()
        log.flush()
        close(writeEnd)
        await reader.finished()
        let numbers = Self.requestNumbers(String(decoding: reader.bytes, as: UTF8.self))
        #expect(numbers.count == count - dropped, "every line not counted as dropped arrived")
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "in order, no duplicates")
    }
}

/// Reads a pipe on its own thread until end of file.
final class PipeReader: Sendable {
    let fd: Int32
    private let received = Mutex<[UInt8]>([])
    private let done = SetOnce()

    init(fd: Int32) { self.fd = fd }

    /// What was read so far.
    var bytes: [UInt8] { received.withLock { $0 } }

    func start() {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                received.withLock { $0 += buffer[0..<n] }
            }
            done.set()
        }
    }

    func finished() async { await done.wait() }
}

/// A flag set once and awaited.
final class SetOnce: Sendable {
    private let state = Mutex<(set: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func set() {
        let waiters = state.withLock { state in
            state.set = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if !state.set { state.waiters.append(continuation) }
                return state.set
            }
            if ready { continuation.resume() }
        }
    }
}
