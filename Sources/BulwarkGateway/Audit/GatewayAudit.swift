import BulwarkAudit
import BulwarkConfig
import Logging
import Synchronization

/// The gateway's side of the audit log (`audit:`): where records go, the settings the section gave at
/// start (the section is restart-only), and the log of the recorder's health. Shared by every exchange.
final class GatewayAudit: Sendable {
    /// Where records are appended (the `AuditLog` in `bulwark serve`); nil when none was given, and
    /// then nothing is audited (the actor header is still removed from responses).
    let recorder: (any AuditRecording)?
    /// `audit:` as the gateway started with it.
    let settings: AuditSettings
    /// `audit.actor.response_header`, lower-cased: read from the upstream's response and removed from
    /// every response the client gets; nil when the actor comes from a claim or from nowhere.
    let actorHeader: String?
    private let logger: Logger
    /// Whether the latest append failed: a failure is logged once, when recording stops working.
    private let failing = Atomic<Bool>(false)

    init(recorder: (any AuditRecording)?, settings: AuditSettings, logger: Logger) {
        self.recorder = recorder
        self.settings = settings
        self.logger = logger
        if case .responseHeader(let name)? = settings.actor { actorHeader = name.lowercased() } else { actorHeader = nil }
    }

    /// The identity headers no client may send upstream: the `auth.jwt.forward_claims` headers and the
    /// audit actor header (`audit.actor.response_header`, which the app sets on its responses); nil
    /// when neither is configured.
    static func removedRequestHeaders(_ configuration: BulwarkConfiguration) -> RemovedHeaderNames? {
        var names = configuration.auth?.jwt.forwardClaims.map(\.header)
        if case .responseHeader(let name)? = configuration.audit?.actor { names = (names ?? []) + [name] }
        return names.map { RemovedHeaderNames($0) }
    }

    /// How a request with `method` on the route named `route` is audited; nil when it is not.
    func policy(method: String, route: String?) -> ExchangeAuditPolicy? {
        guard recorder != nil, settings.audits(method: method, route: route) else { return nil }
        return ExchangeAuditPolicy(waitsForDisk: settings.durability == .sync, rejectsOnFailure: settings.onFailure == .reject)
    }

    /// Appends `entry`, noting the outcome; `completion` hears it too (on a journal thread).
    func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)? = nil) {
        guard let recorder else { return }
        recorder.append(entry, waitForDisk: waitForDisk) { [self] result in
            noteOutcome(result)
            completion?(result)
        }
    }

    /// Logs the switch between recording and failing to record, once each way; never a record's content.
    private func noteOutcome(_ result: Result<Void, AuditUnavailable>) {
        switch result {
        case .success:
            if failing.exchange(false, ordering: .relaxed) { logger.notice("audit records are written again") }
        case .failure(let unavailable):
            if !failing.exchange(true, ordering: .relaxed) {
                logger.error("audit records cannot be written", metadata: [
                    "reason": "\(unavailable.reason)", "on_failure": "\(settings.onFailure.rawValue)",
                ])
            }
        }
    }
}
