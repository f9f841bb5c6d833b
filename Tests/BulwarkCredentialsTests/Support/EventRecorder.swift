import BulwarkCredentials
import Synchronization

/// Records a provider's events and lets a test wait until one it expects has happened, by continuation
/// (no polling, no sleeping). The suite's time limit bounds a wait that never ends.
final class EventRecorder: Sendable {
    private struct State {
        var events: [TokenProviderEvent] = []
        var waiters: [(predicate: @Sendable ([TokenProviderEvent]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    /// Hand this to ``TokenProviderConfiguration/onEvent``.
    var handler: @Sendable (TokenProviderEvent) -> Void { { [self] event in record(event) } }

    var events: [TokenProviderEvent] { state.withLock { $0.events } }

    func record(_ event: TokenProviderEvent) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.events.append(event)
            let events = state.events
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.predicate(events) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the events recorded so far satisfy `predicate`.
    func wait(until predicate: @escaping @Sendable ([TokenProviderEvent]) -> Bool) async {
        await withCheckedContinuation { continuation in
            let satisfied = state.withLock { state -> Bool in
                if predicate(state.events) { return true }
                state.waiters.append((predicate, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    /// Returns once `count` refreshes have ended (successfully or not).
    func waitForRefreshesEnded(_ count: Int) async {
        await wait { $0.filter(\.isRefreshEnd).count >= count }
    }

    var successes: Int { events.filter { if case .refreshSucceeded = $0 { true } else { false } }.count }
    var failures: Int { events.filter { if case .refreshFailed = $0 { true } else { false } }.count }
}

extension TokenProviderEvent {
    var isRefreshEnd: Bool {
        switch self {
        case .refreshSucceeded, .refreshFailed: true
        default: false
        }
    }
}
