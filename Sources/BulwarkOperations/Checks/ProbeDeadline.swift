import Synchronization

/// Bounds one probe by its timeout: the work races a timer, and the probe returns as soon as either
/// finishes. When the timer wins (or the probing task is cancelled), the work is cancelled and
/// `onTimeout` runs in the background to close what cancellation does not reach (an open database
/// connection waiting for a reply); the probe does not wait for either, so it returns on time even when
/// a library is slow to notice the cancellation.
enum ProbeDeadline {
    static func run(
        timeout: Duration,
        work: @escaping @Sendable () async -> ProbeOutcome,
        onTimeout: @escaping @Sendable () async -> Void = {},
        timedOut: @escaping @Sendable () -> String
    ) async -> ProbeOutcome {
        let race = Race()
        let worker = Task { race.finish(await work()) }
        let timer = Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            if race.finish(.failed(timedOut())) {
                worker.cancel()
                await onTimeout()
            }
        }
        let outcome = await withTaskCancellationHandler {
            await race.outcome()
        } onCancel: {
            if race.finish(.failed("cancelled")) {
                worker.cancel()
                Task { await onTimeout() }
            }
        }
        timer.cancel()
        return outcome
    }

    /// The first outcome, handed to the one waiter.
    private final class Race: Sendable {
        private struct State {
            var outcome: ProbeOutcome?
            var waiter: CheckedContinuation<ProbeOutcome, Never>?
        }

        private let state = Mutex(State())

        /// Records `outcome` if it is the first; returns whether it was.
        @discardableResult
        func finish(_ outcome: ProbeOutcome) -> Bool {
            let (first, waiter) = state.withLock { state -> (Bool, CheckedContinuation<ProbeOutcome, Never>?) in
                guard state.outcome == nil else { return (false, nil) }
                state.outcome = outcome
                defer { state.waiter = nil }
                return (true, state.waiter)
            }
            waiter?.resume(returning: outcome)
            return first
        }

        /// Waits for the first outcome.
        func outcome() async -> ProbeOutcome {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> ProbeOutcome? in
                    if let outcome = state.outcome { return outcome }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
