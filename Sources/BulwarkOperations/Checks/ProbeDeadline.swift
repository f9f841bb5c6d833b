import Resilience

/// Bounds one probe by its timeout: the work races a sleep, and when the sleep wins the work is
/// cancelled, `onTimeout` runs (to close what cancellation does not reach, such as an open database
/// connection), and the probe fails with `timedOut()`'s text.
enum ProbeDeadline {
    static func run(
        timeout: Duration,
        work: @escaping @Sendable () async -> ProbeOutcome,
        onTimeout: @escaping @Sendable () async -> Void = {},
        timedOut: @escaping @Sendable () -> String
    ) async -> ProbeOutcome {
        await withTaskGroup(of: ProbeOutcome?.self) { group in
            group.addTask { await work() }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return nil
                } catch {
                    return .failed("cancelled")
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            await onTimeout()
            return .failed(timedOut())
        }
    }
}
