/// The writer thread's decisions, as a pure value: what to do next given what is waiting and the time.
///
/// - Every waiting append is taken at once and written as one batch (group commit).
/// - A batch with a record waiting for disk is `fsync`ed before its callbacks run; records not waiting
///   are `fsync`ed at the latest `flushInterval` after the first of them was written.
/// - After an `fsync` the anchor is owed; it is written at most once per `anchorInterval`.
/// - An overdue `fsync` or anchor goes before the next batch, so a steady stream of appends cannot
///   postpone either.
/// - While the journal is unavailable and nothing is waiting, a probe write is tried every
///   `probeInterval`, so the journal comes back by itself when space returns even when callers stopped
///   appending (the gateway refuses audited requests up front while it is down).
struct JournalCommitSchedule<Item> {
    /// What the writer does next.
    enum Step {
        /// Write these appends (all that were waiting), in order.
        case write([Item])
        /// `fsync` what was written without it.
        case sync
        /// Write the anchor file.
        case anchor
        /// The journal is unavailable: try whether the disk takes bytes again.
        case probe
        /// Nothing to do before `until` (nil: until an append or close comes).
        case wait(until: ContinuousClock.Instant?)
        /// Closed and everything done: stop the thread.
        case finish
    }

    let flushInterval: Duration
    let anchorInterval: Duration
    let probeInterval: Duration
    private(set) var pending: [Item] = []
    private(set) var closing = false
    private var unsyncedSince: ContinuousClock.Instant?
    private var lastAnchor: ContinuousClock.Instant?
    private var anchorOwed = false
    private var probeDue: ContinuousClock.Instant?

    init(flushInterval: Duration, anchorInterval: Duration = .seconds(1), probeInterval: Duration = .seconds(1)) {
        self.flushInterval = flushInterval
        self.anchorInterval = anchorInterval
        self.probeInterval = probeInterval
    }

    /// An append came; false (and nothing queued) once the journal is closing.
    mutating func appendRequested(_ item: Item) -> Bool {
        guard !closing else { return false }
        pending.append(item)
        return true
    }

    /// `close()` was called: what is queued is still written and made durable, then the writer stops.
    mutating func closeRequested() {
        closing = true
    }

    /// The next step at `now`. A `.write` step takes the pending appends out.
    mutating func nextStep(now: ContinuousClock.Instant) -> Step {
        let syncDue = unsyncedSince.map { $0 + flushInterval }
        let anchorDue = anchorOwed ? (lastAnchor.map { $0 + anchorInterval } ?? now) : nil
        if let syncDue, syncDue <= now { return .sync }
        if let anchorDue, anchorDue <= now { return .anchor }
        if !pending.isEmpty {
            defer { pending.removeAll(keepingCapacity: true) }
            return .write(pending)
        }
        if closing { return unsyncedSince == nil ? .finish : .sync }
        if let probeDue, probeDue <= now { return .probe }
        return .wait(until: [syncDue, anchorDue, probeDue].compactMap { $0 }.min())
    }

    /// A batch was written at `now`: `synced` when it was `fsync`ed (with everything before it).
    mutating func batchWritten(at now: ContinuousClock.Instant, synced: Bool) {
        if synced {
            self.synced(at: now)
        } else if unsyncedSince == nil {
            unsyncedSince = now
        }
    }

    /// Everything written is on disk as of `now`.
    mutating func synced(at now: ContinuousClock.Instant) {
        unsyncedSince = nil
        anchorOwed = true
    }

    /// An `fsync` failed at `now`: try again one flush interval later (or at the next batch that waits
    /// for disk).
    mutating func syncFailed(at now: ContinuousClock.Instant) {
        unsyncedSince = now
    }

    /// A write, `fsync` or probe failed at `now`: probe again `probeInterval` later unless an append
    /// comes first.
    mutating func becameUnavailable(at now: ContinuousClock.Instant) {
        probeDue = now + probeInterval
    }

    /// A write or probe succeeded: no more probes.
    mutating func becameAvailable() {
        probeDue = nil
    }

    /// The anchor was written (or failed: it is not retried before new records are durable) at `now`.
    mutating func anchorWritten(at now: ContinuousClock.Instant) {
        anchorOwed = false
        lastAnchor = now
    }
}
