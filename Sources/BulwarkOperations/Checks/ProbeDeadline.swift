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
        let race = FirstResult<ProbeOutcome>()
        let worker = Task { race.finish(await work()) }
        let timer = Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            if race.finish(.failed(timedOut())) {
                worker.cancel()
                await onTimeout()
            }
        }
        let outcome = await withTaskCancellationHandler {
            await race.value()
        } onCancel: {
            if race.finish(.failed("cancelled")) {
                worker.cancel()
                Task { await onTimeout() }
            }
        }
        timer.cancel()
        return outcome
    }
}
