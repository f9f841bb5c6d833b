import BulwarkAudit
import BulwarkConfig
@testable import BulwarkGateway
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Audit: logging a recorder that fails")
struct AuditFailureLogTests {
    /// Keeps every message logged, with its metadata.
    final class Lines: Sendable {
        let lines = Mutex<[(level: Logger.Level, message: String, metadata: String)]>([])
    }

    struct Handler: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.lines.withLock { $0.append((event.level, "\(event.message)", "\(event.metadata ?? [:])")) }
        }
    }

    /// A recorder that fails while `failing` is set.
    final class SwitchingRecorder: AuditRecording, Sendable {
        let failing = Atomic<Bool>(true)
        func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)?) {
            completion?(failing.load(ordering: .relaxed) ? .failure(AuditUnavailable("write failed: No space left on device")) : .success(()))
        }
        var isAvailable: Bool { !failing.load(ordering: .relaxed) }
    }

    @Test("a failure is logged once when recording stops, with its reason and no record content; recovery once")
    func loggedOncePerSwitch() {
        let lines = Lines()
        let recorder = SwitchingRecorder()
        let audit = GatewayAudit(recorder: recorder, settings: AuditSettings(), logger: Logger(label: "t") { _ in Handler(lines: lines) })
        var entry = AuditEntry(kind: .request, id: AuditEventID(), time: Date())
        entry.requestBody = "secret-body-content"
        for _ in 0..<3 { audit.append(entry, waitForDisk: true) }
        recorder.failing.store(false, ordering: .relaxed)
        for _ in 0..<2 { audit.append(entry, waitForDisk: false) }
        recorder.failing.store(true, ordering: .relaxed)
        audit.append(entry, waitForDisk: true)
        let logged = lines.lines.withLock { $0 }
        #expect(logged.map(\.message) == ["audit records cannot be written", "audit records are written again", "audit records cannot be written"])
        #expect(logged.first?.metadata.contains("No space left on device") == true)
        let leaks = logged.contains { $0.message.contains("secret-body-content") || $0.metadata.contains("secret-body-content") }
        #expect(!leaks)
    }
}
