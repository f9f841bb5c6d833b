/// How one attempt ends for its target: what the breaker permit, outlier detection and the target's
/// in-flight count are told, and what becomes of its connection. The exchange machine settles every
/// attempt it starts exactly once.
struct AttemptSettlement: Equatable, Sendable {
    /// What the target is told.
    enum Outcome: Equatable, Sendable {
        /// The attempt succeeded: the permit succeeds and the target's failure run ends.
        case succeeded
        /// The attempt failed: the permit fails and outlier detection counts it.
        case failed(AttemptFailure)
        /// The client went away: the permit is given back without a verdict.
        case ignored
    }

    /// The attempt's number (1 for the first).
    var attempt: Int
    /// What the target is told.
    var outcome: Outcome
    /// Whether the connection goes back to the pool (otherwise it is closed). A connection still being
    /// made when its attempt is settled goes to the pool when it arrives.
    var reusesConnection: Bool
}
