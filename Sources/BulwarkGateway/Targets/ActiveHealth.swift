/// Active health of one target, as a pure state machine: `unhealthyThreshold` failed probes in a row mark
/// it unhealthy, `healthyThreshold` passes in a row mark it healthy again. Targets start healthy so a
/// fresh gateway serves at once; the first failing probes take them out.
public struct ActiveHealth: Sendable, Hashable {
    /// Passes in a row that make an unhealthy target healthy.
    public let healthyThreshold: Int
    /// Failures in a row that make a healthy target unhealthy.
    public let unhealthyThreshold: Int
    /// Whether the target currently passes.
    public private(set) var isHealthy = true
    /// The current run of identical results.
    public private(set) var streak = 0

    /// Creates the state of a target not yet probed (healthy).
    public init(healthyThreshold: Int, unhealthyThreshold: Int) {
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
    }

    /// A probe finished; returns the new health when it changed.
    public mutating func probeFinished(passed: Bool) -> Bool? {
        if passed == isHealthy {
            streak = 0
            return nil
        }
        streak += 1
        guard streak >= (passed ? healthyThreshold : unhealthyThreshold) else { return nil }
        isHealthy = passed
        streak = 0
        return passed
    }
}
