import BulwarkConfig
import Logging
import Resilience
import Synchronization

/// One upstream at run time: its targets' shared state, the balancer and the retry budget.
public final class UpstreamCluster: Sendable {
    /// The configuration it was built from.
    public let settings: UpstreamSettings
    /// Its targets, in configuration order.
    public let targets: [TargetState]
    /// Retries allowed relative to requests.
    let retryBudget: RetryBudget
    let backoff: Backoff
    private let roundRobinCounter = Atomic<Int>(0)
    private let logger: Logger

    /// The upstream's name.
    public var name: String { settings.name }

    init(settings: UpstreamSettings, logger: Logger) throws(ConfigurationError) {
        self.settings = settings
        self.logger = logger
        var states: [TargetState] = []
        for index in settings.targets.indices {
            var breaker: CircuitBreaker?
            let options = settings.circuitBreaker
            if options.enabled {
                breaker = try CircuitBreaker(CircuitBreakerConfiguration(
                    name: "\(settings.name)/\(settings.targets[index].authority)",
                    failureRateThreshold: options.failureRate,
                    // Long downloads are not failures: the slow-call rule is off for targets.
                    slowCallDurationThreshold: .seconds(365 * 86_400),
                    slidingWindow: .timeBased(options.window),
                    minimumNumberOfCalls: options.minimumCalls,
                    openDuration: options.openDuration,
                    maximumOpenDuration: max(options.openDuration, CircuitBreakerConfiguration.Defaults.maximumOpenDuration),
                    permittedCallsInHalfOpen: options.halfOpenCalls,
                    logger: logger
                ))
            }
            states.append(TargetState(index: index, upstream: settings, breaker: breaker))
        }
        self.targets = states
        self.retryBudget = RetryBudget(percent: settings.retry.budgetPercent, minimumPerSecond: settings.retry.budgetMinimumPerSecond)
        self.backoff = Backoff.exponential(base: max(settings.retry.backoffBase, .nanoseconds(1)), maximum: settings.retry.backoffMaximum).jittered(.full)
    }

    /// Chooses a target for an attempt, preferring ones this request has not tried. Returns nil when no
    /// target is available (all unhealthy, ejected or behind open breakers).
    func pick(at now: Int64, tried: UInt64) -> (TargetState, CircuitBreakerPermit?)? {
        var rejected: UInt64 = 0
        for _ in 0..<targets.count {
            let eligible: (Int) -> Bool = { index in
                rejected & (1 << UInt64(index % 64)) == 0 && self.targets[index].isAvailable(at: now)
            }
            let excluded: (Int) -> Bool = { tried & (1 << UInt64($0 % 64)) != 0 }
            let chosen: Int?
            switch settings.balancer {
            case .roundRobin:
                let counter = roundRobinCounter.wrappingAdd(1, ordering: .relaxed).oldValue
                chosen = LoadBalancer.roundRobin(count: targets.count, counter: counter, isEligible: eligible, excluded: excluded)
            case .leastRequest:
                let available = targets.indices.filter(eligible)
                let fresh = available.filter { !excluded($0) }
                var random = SystemRandomNumberGenerator()
                chosen = LoadBalancer.leastRequest(candidates: fresh.isEmpty ? available : fresh, inFlight: { self.targets[$0].inFlight }, random: &random)
            }
            guard let index = chosen else { return nil }
            let target = targets[index]
            guard let breaker = target.breaker else { return (target, nil) }
            do {
                return (target, try breaker.acquire())
            } catch {
                rejected |= 1 << UInt64(index % 64)
            }
        }
        return nil
    }

    /// Whether another target may be ejected under `max_ejection_percent` (one is always allowed).
    func mayEject(at now: Int64) -> Bool {
        let ejected = targets.reduce(0) { $0 + ($1.isEjected(at: now) ? 1 : 0) }
        let cap = max(1, targets.count * settings.outlierDetection.maxEjectionPercent / 100)
        return ejected < cap
    }

    /// Records a failed attempt on `target` (connect error, 5xx, timeout) for outlier detection.
    func recordFailure(_ target: TargetState, at now: Int64, reason: String) {
        let action = target.callFailed(at: now) { mayEject(at: now) }
        switch action {
        case .ejected(let until):
            let seconds = Double(until - now) / 1e9
            logger.warning("target ejected", metadata: [
                "upstream": "\(name)", "target": "\(target.target.authority)",
                "for_seconds": "\(seconds)", "reason": "\(reason)",
            ])
        case .ejectionRefused:
            logger.warning("target failing but not ejected: max_ejection_percent reached", metadata: [
                "upstream": "\(name)", "target": "\(target.target.authority)",
            ])
        case .none:
            break
        }
    }

    /// Whether any target is available now (used for readiness and fast 503s).
    public func hasAvailableTarget(at now: Int64) -> Bool {
        targets.contains { $0.isServing(at: now) }
    }
}
