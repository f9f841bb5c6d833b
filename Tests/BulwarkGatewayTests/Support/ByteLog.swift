import Synchronization

/// Everything one TCP connection received, in order, and whether it has closed; safe from any thread.
/// A reader can await the next change (more bytes or the close) with a deadline.
final class ByteLog: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var closedLocally = false
        var version = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<Int> = []
    }

    private let state = Mutex(State())

    /// What was received so far.
    struct Snapshot: Sendable {
        var bytes: [UInt8]
        /// The connection is closed.
        var closed: Bool
        /// It was closed by this side (not by the peer).
        var closedLocally: Bool
        var version: Int
    }

    var snapshot: Snapshot {
        state.withLock { Snapshot(bytes: $0.bytes, closed: $0.closed, closedLocally: $0.closedLocally, version: $0.version) }
    }

    func append(_ bytes: [UInt8]) {
        change { $0.bytes += bytes }
    }

    /// Marks the connection closed.
    func markClosed() {
        change { $0.closed = true }
    }

    /// Notes that this side is closing the connection (so a later close is not the peer's doing).
    func markClosingLocally() {
        state.withLock { $0.closedLocally = true }
    }

    private func change(_ body: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            body(&state)
            state.version += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once something changed after `version`, or at `deadline`, whichever comes first.
    func waitForChange(after version: Int, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.changed(after: version) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits until closed, or `deadline`; returns whether it closed.
    func waitUntilClosed(until deadline: ContinuousClock.Instant) async -> Bool {
        while true {
            let now = snapshot
            if now.closed { return true }
            if ContinuousClock.now >= deadline { return false }
            await waitForChange(after: now.version, until: deadline)
        }
    }

    private func changed(after version: Int) async {
        let id = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.version > version || state.cancelledWaiters.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelledWaiters.insert(id)
                return nil
            }
            waiter?.resume()
        }
    }
}
