import Synchronization

/// The first value offered to it, handed to the one waiter; later offers are ignored. Both a probe's
/// deadline and the check runner's backstop race their work against a timer with it.
final class FirstResult<T: Sendable>: Sendable {
    private struct State {
        var value: T?
        var waiter: CheckedContinuation<T, Never>?
    }

    private let state = Mutex(State())

    /// Records `value` if it is the first; returns whether it was.
    @discardableResult
    func finish(_ value: T) -> Bool {
        let (first, waiter) = state.withLock { state -> (Bool, CheckedContinuation<T, Never>?) in
            guard state.value == nil else { return (false, nil) }
            state.value = value
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: value)
        return first
    }

    /// Waits for the first value.
    func value() async -> T {
        await withCheckedContinuation { continuation in
            let ready: T? = state.withLock { state in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
