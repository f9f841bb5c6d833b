/// Passive health of one target, as a pure state machine: consecutive failures of live traffic eject the
/// target for `base × n` (n = how many times in a row it has been ejected, capped at `maximum`), like
/// Envoy's outlier detection. Time is given in nanoseconds of a monotonic clock.
public struct OutlierDetector: Sendable, Hashable {
    /// Failures in a row that eject.
    public let threshold: Int
    /// First ejection length in nanoseconds.
    public let baseEjectionNanoseconds: Int64
    /// Longest ejection in nanoseconds.
    public let maximumEjectionNanoseconds: Int64

    /// Current run of failures.
    public private(set) var consecutiveFailures = 0
    /// Ejections in a row without a success in between (drives the growing ejection time).
    public private(set) var ejectionCount = 0
    /// When the current ejection ends; nil when not ejected.
    public private(set) var ejectedUntil: Int64?

    /// Creates a detector for one target.
    public init(threshold: Int, baseEjection: Duration, maximumEjection: Duration) {
        self.threshold = threshold
        self.baseEjectionNanoseconds = baseEjection.nanoseconds
        self.maximumEjectionNanoseconds = maximumEjection.nanoseconds
    }

    /// Forgets the failure run and any ejection (an operator's reset).
    public mutating func reset() {
        consecutiveFailures = 0
        ejectionCount = 0
        ejectedUntil = nil
    }

    /// What a reported outcome led to.
    public enum Action: Sendable, Hashable {
        /// Nothing changed.
        case none
        /// The target is ejected until the given time (nanoseconds).
        case ejected(until: Int64)
        /// The threshold was reached but the ejection cap forbids another ejected target.
        case ejectionRefused
    }

    /// Whether the target is ejected at `now`. An ejection that has run out ends here.
    public mutating func isEjected(at now: Int64) -> Bool {
        guard let until = ejectedUntil else { return false }
        if now >= until {
            ejectedUntil = nil
            return false
        }
        return true
    }

    /// A call succeeded: the failure run ends (the ejection count decays only on success).
    public mutating func callSucceeded() {
        consecutiveFailures = 0
        ejectionCount = 0
    }

    /// A call failed at `now`. `mayEject` says whether the upstream's ejection cap allows one more; it is
    /// only evaluated when the threshold is reached.
    public mutating func callFailed(at now: Int64, mayEject: @autoclosure () -> Bool) -> Action {
        if isEjected(at: now) { return .none }
        consecutiveFailures += 1
        guard consecutiveFailures >= threshold else { return .none }
        guard mayEject() else { return .ejectionRefused }
        consecutiveFailures = 0
        ejectionCount += 1
        let (product, overflow) = baseEjectionNanoseconds.multipliedReportingOverflow(by: Int64(ejectionCount))
        let length = overflow ? maximumEjectionNanoseconds : min(product, maximumEjectionNanoseconds)
        ejectedUntil = now + length
        return .ejected(until: now + length)
    }
}
