/// The time source every Bulwark policy runs on: any `Clock<Duration>`, reduced to "time elapsed
/// since this clock was created" so that pure state machines can do arithmetic on plain `Duration`s.
///
/// Policies take `any Clock<Duration>` (``ContinuousClock`` by default); tests pass a manual clock
/// such as swift-clocks' `TestClock` and advance it by hand instead of sleeping.
///
/// ```swift
/// let clock = PolicyClock(ContinuousClock())
/// let started = clock.now()
/// try await clock.sleep(for: .milliseconds(10))
/// print(clock.now() - started)   // ≈ 10 ms
/// ```
public struct PolicyClock: Sendable {
    private let readNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`; the current instant becomes time zero.
    public init(_ clock: any Clock<Duration>) {
        self = PolicyClock(opening: clock)
    }

    private init<C: Clock<Duration>>(opening clock: C) {
        let origin = clock.now
        self.readNow = { origin.duration(to: clock.now) }
        self.sleeper = { duration in try await clock.sleep(for: duration) }
    }

    /// The time elapsed on the wrapped clock since this `PolicyClock` was created.
    public func now() -> Duration { readNow() }

    /// Suspends for `duration` on the wrapped clock. Throws `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        try await sleeper(duration)
    }
}
