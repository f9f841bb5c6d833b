#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
///
/// `ContinuousClock` is read directly from the operating system's clock (the one it is built on), which
/// avoids the 128-bit arithmetic of `Duration` on the hot path of every guarded call.
public struct PolicyClock: Sendable {
    private enum Source: Sendable {
        /// `ContinuousClock`, read directly; `origin` in nanoseconds.
        case continuous(origin: Int64)
        /// Any other clock, type-erased.
        case erased(@Sendable () -> Duration)
    }

    private let source: Source
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`; the current instant becomes time zero.
    public init(_ clock: any Clock<Duration>) {
        self = PolicyClock(opening: clock)
    }

    private init<C: Clock<Duration>>(opening clock: C) {
        if clock is ContinuousClock {
            source = .continuous(origin: Self.continuousNanoseconds())
        } else {
            let origin = clock.now
            source = .erased { origin.duration(to: clock.now) }
        }
        sleeper = { duration in try await clock.sleep(for: duration) }
    }

    /// The time elapsed on the wrapped clock since this `PolicyClock` was created.
    public func now() -> Duration {
        switch source {
        case .continuous(let origin): .nanoseconds(Self.continuousNanoseconds() &- origin)
        case .erased(let read): read()
        }
    }

    /// ``now()`` in whole nanoseconds, without building a `Duration`.
    public func nowNanoseconds() -> Int64 {
        switch source {
        case .continuous(let origin): Self.continuousNanoseconds() &- origin
        case .erased(let read): read().nanoseconds
        }
    }

    /// Suspends for `duration` on the wrapped clock. Throws `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        try await sleeper(duration)
    }

    /// The clock `ContinuousClock` reads: `CLOCK_BOOTTIME` on Linux (monotonic, counts suspension).
    private static func continuousNanoseconds() -> Int64 {
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_BOOTTIME, &spec)
        #else
        clock_gettime(CLOCK_MONOTONIC_RAW, &spec)
        #endif
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}
