extension CircuitBreaker {
    /// Aggregated outcomes of the recent calls: what the failure and slow-call rates are computed from.
    public struct WindowTotals: Sendable, Hashable {
        /// Calls recorded.
        public var calls = 0
        /// Calls that failed.
        public var failures = 0
        /// Calls that took at least the slow-call duration.
        public var slowCalls = 0

        /// Failures as a percentage of calls (0 with no calls).
        public var failureRate: Double { calls == 0 ? 0 : Double(failures) * 100 / Double(calls) }
        /// Slow calls as a percentage of calls (0 with no calls).
        public var slowCallRate: Double { calls == 0 ? 0 : Double(slowCalls) * 100 / Double(calls) }

        mutating func subtract(_ other: WindowTotals) {
            calls -= other.calls
            failures -= other.failures
            slowCalls -= other.slowCalls
        }

        mutating func add(failed: Bool, slow: Bool, sign: Int = 1) {
            calls += sign
            if failed { failures += sign }
            if slow { slowCalls += sign }
        }
    }

    /// The sliding window of recent call outcomes: a ring buffer for count-based windows, one-second
    /// buckets for time-based ones. Totals are kept running so that reading them is O(1).
    struct CallWindow: Sendable {
        private enum Storage: Sendable {
            /// Each entry: bit 0 failed, bit 1 slow.
            case ring(entries: [UInt8], next: Int, filled: Int)
            /// Buckets indexed by `second % count`, each remembering which second it holds.
            case buckets(seconds: [Int64], totals: [WindowTotals])
        }

        private var storage: Storage
        /// The second the time-based buckets were last brought up to date for.
        private var lastSecond: Int64 = -1
        private(set) var totals = WindowTotals()
        /// The most calls the window can hold (`Int.max` for time-based windows).
        let capacity: Int

        init(_ window: SlidingWindow) {
            switch window.kind {
            case .countBased(let size):
                storage = .ring(entries: [UInt8](repeating: 0, count: size), next: 0, filled: 0)
                capacity = size
            case .timeBased(let length):
                let count = max(1, Int((length.nanoseconds + 999_999_999) / 1_000_000_000))
                storage = .buckets(seconds: [Int64](repeating: -1, count: count), totals: .init(repeating: .init(), count: count))
                capacity = .max
            }
        }

        mutating func record(failed: Bool, slow: Bool, atNanoseconds now: Int64) {
            switch storage {
            case .ring(var entries, var next, var filled):
                storage = .ring(entries: [], next: 0, filled: 0)   // keep `entries` uniquely referenced
                if filled == entries.count {
                    let old = entries[next]
                    totals.add(failed: old & 1 != 0, slow: old & 2 != 0, sign: -1)
                } else {
                    filled += 1
                }
                entries[next] = (failed ? 1 : 0) | (slow ? 2 : 0)
                next = (next + 1) % entries.count
                storage = .ring(entries: entries, next: next, filled: filled)
            case .buckets:
                let index = evict(before: now)
                guard case .buckets(let seconds, var bucketTotals) = storage else { return }
                storage = .buckets(seconds: seconds, totals: [])
                bucketTotals[index].add(failed: failed, slow: slow)
                storage = .buckets(seconds: seconds, totals: bucketTotals)
            }
            totals.add(failed: failed, slow: slow)
        }

        /// The totals over the window ending at `now` (time-based windows drop buckets that slid out).
        mutating func totals(atNanoseconds now: Int64) -> WindowTotals {
            if case .buckets = storage { _ = evict(before: now) }
            return totals
        }

        mutating func reset() {
            totals = WindowTotals()
            lastSecond = -1
            switch storage {
            case .ring(let entries, _, _):
                storage = .ring(entries: [UInt8](repeating: 0, count: entries.count), next: 0, filled: 0)
            case .buckets(let seconds, _):
                storage = .buckets(seconds: [Int64](repeating: -1, count: seconds.count),
                                   totals: .init(repeating: .init(), count: seconds.count))
            }
        }

        /// Clears buckets older than the window ending at `now`; returns the index of `now`'s bucket.
        private mutating func evict(before now: Int64) -> Int {
            guard case .buckets(var seconds, var bucketTotals) = storage else { return 0 }
            let second = max(0, now / 1_000_000_000)
            let count = Int64(seconds.count)
            let index = Int(second % count)
            guard second != lastSecond else { return index }
            lastSecond = second
            storage = .buckets(seconds: [], totals: [])   // keep the arrays uniquely referenced
            for slot in seconds.indices where seconds[slot] >= 0 && (seconds[slot] <= second - count || slot == index) {
                guard seconds[slot] != second else { continue }
                totals.subtract(bucketTotals[slot])
                bucketTotals[slot] = WindowTotals()
                seconds[slot] = -1
            }
            seconds[index] = second
            storage = .buckets(seconds: seconds, totals: bucketTotals)
            return index
        }
    }
}
