/// One dependency check as the monitor runs it: a probe, how often, how long it may take, and what
/// its failure means for the instance.
public struct DependencyCheck: Sendable {
    /// Shown in `/health`, the `name` label of `bulwark_dependency_up`, and alert subjects.
    public var name: String
    /// `postgres`, `http`, `tcp`, `redis`, `disk` or `backup`: which ``DependencyCheckService`` runs it.
    public var kind: String
    /// Whether a failure makes the instance UNHEALTHY and not ready; otherwise only DEGRADED.
    public var critical: Bool
    /// Time between two checks.
    public var interval: Duration
    /// A check taking longer fails.
    public var timeout: Duration
    /// A passing check slower than this is degraded; nil: `alerts.dependency_latency.warning`.
    public var slowAfter: Duration?
    /// What checks it once.
    public var probe: any DependencyProbe

    /// Creates a check.
    public init(
        name: String, kind: String, critical: Bool, interval: Duration, timeout: Duration,
        slowAfter: Duration? = nil, probe: any DependencyProbe
    ) {
        self.name = name
        self.kind = kind
        self.critical = critical
        self.interval = interval
        self.timeout = timeout
        self.slowAfter = slowAfter
        self.probe = probe
    }

    /// What `outcome`, reached after `latency`, looks like to the monitor.
    func observation(of outcome: ProbeOutcome, latency: Duration) -> Observation.DependencyObservation {
        var observation = Observation.DependencyObservation(name: name, kind: kind, critical: critical, slowAfter: slowAfter, latency: latency, error: nil)
        switch outcome {
        case .passed(let detail): observation.detail = detail
        case .warning(let warning): observation.warning = warning
        case .failed(let reason): observation.error = reason
        }
        return observation
    }
}
