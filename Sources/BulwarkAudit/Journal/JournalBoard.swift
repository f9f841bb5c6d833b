import Synchronization

/// What the writer thread publishes and callers read: the status, and which segment is being written
/// (so ``AuditJournal/removeSegments(shippedThrough:olderThan:)`` never removes it).
final class JournalBoard: Sendable {
    struct State: Sendable {
        /// The status as of the writer's last step.
        var status: AuditJournalStatus
        /// The segment being written.
        var current: JournalSegment
        /// Bytes of every segment but the current one.
        var sealedBytes: Int
        /// Intact bytes of the current segment.
        var currentBytes: Int
    }

    let state: Mutex<State>

    init(_ state: State) {
        self.state = Mutex(state)
    }

    /// The status, with the byte count made up to date.
    var status: AuditJournalStatus {
        state.withLock { state in
            var status = state.status
            status.bytes = state.sealedBytes + state.currentBytes
            return status
        }
    }
}
