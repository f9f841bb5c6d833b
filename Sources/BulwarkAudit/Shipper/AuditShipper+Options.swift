import Resilience

extension AuditShipper {
    /// How the shipper paces itself and backs off.
    ///
    /// | property | default |
    /// | --- | --- |
    /// | ``batchSize`` | 500 records per transaction |
    /// | ``interval`` | 1 s between looks when caught up |
    /// | ``backoff`` | exponential from 250 ms, ×2, at most 15 s, equal jitter |
    /// | ``breaker`` | opens after 3 failures in a row for 5 s, then one trial call |
    public struct Options: Sendable {
        /// Records shipped per transaction at most.
        public var batchSize: Int
        /// How long to wait before looking again when nothing is left to ship.
        public var interval: Duration
        /// The wait after failed attempt *n*.
        public var backoff: Backoff
        /// The breaker in front of the store.
        public var breaker: CircuitBreakerConfiguration

        /// Options; see the table above for defaults.
        public init(
            batchSize: Int = 500,
            interval: Duration = .seconds(1),
            backoff: Backoff = .exponential(base: .milliseconds(250), multiplier: 2, maximum: .seconds(15)).jittered(.equal),
            breaker: CircuitBreakerConfiguration = CircuitBreakerConfiguration(
                name: "audit-store", consecutiveFailureThreshold: 3, openDuration: .seconds(5), permittedCallsInHalfOpen: 1
            )
        ) {
            self.batchSize = max(1, batchSize)
            self.interval = interval
            self.backoff = backoff
            self.breaker = breaker
        }
    }

    /// What the journal says about itself, read before each batch: its last record and the last one
    /// on disk (only durable records are shipped, so the store never holds one a crash could undo).
    public struct JournalProgress: Sendable, Equatable {
        /// The last record written.
        public var lastSequence: UInt64
        /// The last record known to be on disk.
        public var durableSequence: UInt64

        /// Progress with these sequences.
        public init(lastSequence: UInt64, durableSequence: UInt64) {
            self.lastSequence = lastSequence
            self.durableSequence = durableSequence
        }
    }
}
