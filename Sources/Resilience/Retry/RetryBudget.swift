import Synchronization

/// Caps retries as a share of calls over a sliding window, so that retries cannot multiply load on a
/// struggling dependency (a "retry storm"). The same idea as Finagle's `RetryBudget`, Envoy's
/// `retry_budget` and gRPC's retry throttling.
///
/// A retry is allowed while `retries in window < percent × calls in window + minimumPerSecond × window`.
/// Share one budget between every ``Retry`` that calls the same dependency.
///
/// ```swift
/// let budget = RetryBudget(percent: 20, minimumPerSecond: 10)   // 20 % of calls, at least 10 retries/s
/// let retry = try Retry(RetryConfiguration(maxAttempts: 4, budget: budget))
/// ```
public final class RetryBudget: Sendable {
    private let clock: PolicyClock
    private let state: Mutex<State>

    /// Creates a budget.
    /// - Parameters:
    ///   - percent: retries allowed as a percentage of calls in the window (0–1000). Defaults to 20.
    ///   - minimumPerSecond: retries always allowed per second, whatever the call volume. Defaults to 10.
    ///   - window: how far back calls and retries are counted. Defaults to 10 s.
    ///   - clock: the time source. Defaults to `ContinuousClock`.
    public init(
        percent: Double = 20,
        minimumPerSecond: Int = 10,
        window: Duration = .seconds(10),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = PolicyClock(clock)
        self.state = Mutex(State(percent: percent, minimumPerSecond: minimumPerSecond, window: window))
    }

    /// Records a call (a first attempt), which earns retry allowance.
    public func recordCall() {
        let now = clock.now()
        state.withLock { $0.callStarted(at: now) }
    }

    /// Takes one retry from the budget; `false` means the budget is spent and the call should not be retried.
    public func tryWithdrawRetry() -> Bool {
        let now = clock.now()
        return state.withLock { $0.retryRequested(at: now) }
    }

    /// Calls and retries currently counted in the window.
    public var usage: (calls: Int, retries: Int) {
        let now = clock.now()
        return state.withLock { $0.counts(at: now) }
    }

    /// The budget's pure accounting: calls and retries in time buckets covering the window.
    public struct State: Sendable {
        static let bucketCount = 10
        let percent: Double
        let reserve: Int
        let bucketWidth: Duration
        private var calls = [Int](repeating: 0, count: bucketCount)
        private var retries = [Int](repeating: 0, count: bucketCount)
        private var currentBucket: Int64 = 0

        /// A budget allowing `percent` % of calls plus `minimumPerSecond` per second over `window`.
        public init(percent: Double, minimumPerSecond: Int, window: Duration) {
            self.percent = max(0, percent)
            self.reserve = max(0, minimumPerSecond) * max(1, Int(window.components.seconds))
            self.bucketWidth = max(window / Self.bucketCount, .nanoseconds(1))
        }

        /// A call started at `now`.
        public mutating func callStarted(at now: Duration) {
            advance(to: now)
            calls[slot] += 1
        }

        /// A retry is wanted at `now`; returns whether the budget allows it (and if so, spends it).
        public mutating func retryRequested(at now: Duration) -> Bool {
            advance(to: now)
            let allowance = Double(calls.reduce(0, +)) * percent / 100 + Double(reserve)
            guard Double(retries.reduce(0, +)) + 1 <= allowance else { return false }
            retries[slot] += 1
            return true
        }

        /// Calls and retries in the window ending at `now`.
        public mutating func counts(at now: Duration) -> (calls: Int, retries: Int) {
            advance(to: now)
            return (calls.reduce(0, +), retries.reduce(0, +))
        }

        private var slot: Int { Int(currentBucket % Int64(Self.bucketCount)) }

        private mutating func advance(to now: Duration) {
            let bucket = now.nanoseconds / max(bucketWidth.nanoseconds, 1)
            guard bucket > currentBucket else { return }
            let expired = min(bucket - currentBucket, Int64(Self.bucketCount))
            for step in 1...expired {
                let index = Int((currentBucket + step) % Int64(Self.bucketCount))
                calls[index] = 0
                retries[index] = 0
            }
            currentBucket = bucket
        }
    }
}
