import BulwarkAudit
import BulwarkConfig
import Foundation
import Logging

/// Records admin API actions in the audit log (`audit:`): an `action` record before the action is
/// carried out, a `completed` record (same id and time) with the status it answered after.
///
/// The `action` record is awaited (on disk under `durability: sync`, written under `async`); when it
/// cannot be written and `on_failure` is `reject`, the action is not carried out and the call answers
/// 503. The `completed` record is not awaited.
struct AdminAuditTrail: Sendable {
    /// The actor of every admin action.
    static let actor = "admin"

    let recorder: any AuditRecording
    let waitsForDisk: Bool
    let rejectsUnrecorded: Bool
    let logger: Logger

    init(recorder: any AuditRecording, settings: AuditSettings, logger: Logger) {
        self.recorder = recorder
        self.waitsForDisk = settings.durability == .sync
        self.rejectsUnrecorded = settings.onFailure == .reject
        self.logger = logger
    }

    /// Records `action`, then runs `carryOut` unless the record failed under `on_failure: reject`,
    /// then records how it ended.
    func perform(_ action: AdminAction, path: String, client: String?, _ carryOut: () async -> AdminResponse) async -> AdminResponse {
        var entry = AuditEntry.action(action.name, actor: Self.actor, subject: action.subject, detail: action.detail)
        entry.client = client
        entry.method = "POST"
        entry.path = path
        let started = ContinuousClock.now
        if case .failure(let unavailable) = await append(entry, waitForDisk: waitsForDisk) {
            let metadata: Logger.Metadata = ["action": "\(action.name)", "reason": "\(unavailable.reason)"]
            guard !rejectsUnrecorded else {
                logger.error("admin action refused: the audit journal cannot record it", metadata: metadata)
                return .error(.serviceUnavailable, "\(action.name) was not carried out: \(unavailable) (audit.on_failure: reject); see the audit_unavailable alert")
            }
            logger.warning("admin action carried out unrecorded (audit.on_failure: pass)", metadata: metadata)
        }
        let response = await carryOut()
        var completed = AuditEntry(kind: .completed, id: entry.id, time: entry.time)
        completed.actor = Self.actor
        completed.action = action.name
        completed.subject = action.subject
        completed.status = Int(response.status.code)
        completed.outcome = "complete"
        completed.durationMilliseconds = (ContinuousClock.now - started).milliseconds
        recorder.append(completed, waitForDisk: false, completion: nil)
        return response
    }

    private func append(_ entry: AuditEntry, waitForDisk: Bool) async -> Result<Void, AuditUnavailable> {
        let recorder = self.recorder
        return await withCheckedContinuation { continuation in
            recorder.append(entry, waitForDisk: waitForDisk) { continuation.resume(returning: $0) }
        }
    }
}

extension Duration {
    /// Milliseconds as a Double.
    fileprivate var milliseconds: Double { seconds * 1000 }
}
