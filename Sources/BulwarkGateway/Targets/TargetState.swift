import BulwarkConfig
import NIOCore
import Resilience
import Synchronization

/// Everything the gateway knows about one target of an upstream, shared by all event loops: active and
/// passive health, its circuit breaker, and requests in flight. Decisions live in the pure machines
/// (``ActiveHealth``, ``OutlierDetector``, the core `CircuitBreaker`); this class only guards them.
public final class TargetState: Sendable {
    /// Its number within its upstream: the position in the configured list for the targets the upstream
    /// started with, then increasing for each one that joins at run time (never reused).
    public let index: Int
    /// The address.
    public let target: TargetURL
    /// The upstream's name.
    public let upstreamName: String
    /// Where new connections go: the address its host last resolved to (nil: resolution failed, and
    /// connects go by name). Refreshed by ``TargetAddressRefresher`` for targets named by a host name.
    var address: SocketAddress? { resolved.withLock { $0 } }
    private let resolved: Mutex<SocketAddress?>
    /// Whether its host is a name (looked up again every `resolve_interval`) rather than an IP literal.
    let isNamedByHost: Bool
    /// The per-target breaker (nil when disabled).
    public let breaker: CircuitBreaker?
    /// TLS for an `https://` target: its upstream's client context (nil for `http://` targets).
    let tls: UpstreamTLSClient?
    /// The `Host` sent to this target in place of the client's (`upstreams.NAME.host`): nil keeps the
    /// client's (`client`), else the target's `host[:port]` (`target`) or the configured name.
    let hostOverride: String?
    private let health: Mutex<Health>
    private let inFlightCounter = Atomic<Int>(0)
    /// Set when the target left its upstream: its connections are closed instead of kept for reuse.
    private let retiredFlag = Atomic<Bool>(false)
    private let lastFailureText = Mutex<String?>(nil)

    /// Why the last failed attempt on live traffic failed, in words (`tls handshake failed: certificate
    /// has expired`, `connection refused`, `status 503`…); nil before any.
    public var lastFailure: String? { lastFailureText.withLock { $0 } }

    func failureObserved(_ reason: String) { lastFailureText.withLock { $0 = reason } }
    /// Fast-path flag: true while the target is actively healthy and not ejected (breaker state is
    /// checked separately, at admission).
    private let available = Atomic<Bool>(true)
    /// Nanoseconds (monotonic) when an ejection ends; 0 when not ejected.
    private let ejectedUntil = Atomic<Int64>(0)

    struct Health {
        var active: ActiveHealth
        var outlier: OutlierDetector
        var lastProbe: ProbeResult?
    }

    /// The last active probe.
    public struct ProbeResult: Sendable, Hashable {
        /// Whether it passed.
        public var passed: Bool
        /// What happened (status or error).
        public var detail: String
        /// Round-trip time.
        public var latency: Duration
    }

    init(index: Int, target: TargetURL, upstream: UpstreamSettings, breaker: CircuitBreaker?, tls: UpstreamTLSClient? = nil) {
        self.index = index
        self.target = target
        self.resolved = Mutex(try? SocketAddress.makeAddressResolvingHost(target.host, port: target.port))
        self.isNamedByHost = TargetAddressRefresher.isHostName(target.host)
        self.upstreamName = upstream.name
        self.breaker = breaker
        self.tls = tls
        switch upstream.hostHeader(for: target) {
        case .client: self.hostOverride = nil
        case .target: self.hostOverride = target.hostHeaderValue
        case .literal(let name): self.hostOverride = name
        }
        let check = upstream.healthCheck
        let outlier = upstream.outlierDetection
        self.health = Mutex(Health(
            active: ActiveHealth(healthyThreshold: check?.healthyThreshold ?? 1, unhealthyThreshold: check?.unhealthyThreshold ?? 1),
            outlier: OutlierDetector(
                threshold: outlier.enabled ? outlier.consecutiveFailures : .max,
                baseEjection: outlier.baseEjectionTime,
                maximumEjection: outlier.maxEjectionTime
            )
        ))
    }

    /// Whether a connection opened to `address` still goes where new connections go: false once the
    /// target's name resolved elsewhere (the connection is then closed when it next falls idle).
    func isCurrent(_ address: SocketAddress?) -> Bool {
        guard isNamedByHost, let address else { return true }
        return resolved.withLock { $0 == nil || $0 == address }
    }

    /// Records a fresh resolution of the target's host; returns the previous address when it changed.
    func addressResolved(_ address: SocketAddress) -> SocketAddress?? {
        resolved.withLock { current in
            guard current != address else { return nil }
            defer { current = address }
            return .some(current)
        }
    }

    /// Whether the target has left its upstream (requests in flight to it still finish).
    public var isRetired: Bool { retiredFlag.load(ordering: .relaxed) }

    func retire() { retiredFlag.store(true, ordering: .relaxed) }

    /// Requests currently sent to this target.
    public var inFlight: Int { inFlightCounter.load(ordering: .relaxed) }

    func requestStarted() { inFlightCounter.add(1, ordering: .relaxed) }
    func requestFinished() { inFlightCounter.subtract(1, ordering: .relaxed) }

    /// Whether the balancer may choose this target at `now` (active health and ejection; not the breaker).
    public func isAvailable(at now: Int64) -> Bool {
        if available.load(ordering: .relaxed) { return true }
        let until = ejectedUntil.load(ordering: .relaxed)
        guard until != 0, now >= until else { return false }
        // An ejection ran out: recompute under the lock.
        return health.withLock { state in
            let ejected = state.outlier.isEjected(at: now)
            if !ejected { ejectedUntil.store(0, ordering: .relaxed) }
            let result = state.active.isHealthy && !ejected
            available.store(result, ordering: .relaxed)
            return result
        }
    }

    /// Whether the target is ejected by outlier detection at `now`.
    public func isEjected(at now: Int64) -> Bool {
        let until = ejectedUntil.load(ordering: .relaxed)
        return until != 0 && now < until
    }

    /// Whether the last active probes passed (always true without health checks).
    public var isActivelyHealthy: Bool { health.withLock { $0.active.isHealthy } }

    /// The last active probe, if any.
    public var lastProbe: ProbeResult? { health.withLock { $0.lastProbe } }

    /// Records a probe; returns the new health when it changed.
    func probeFinished(_ result: ProbeResult) -> Bool? {
        health.withLock { state in
            state.lastProbe = result
            let change = state.active.probeFinished(passed: result.passed)
            available.store(state.active.isHealthy && ejectedUntil.load(ordering: .relaxed) == 0, ordering: .relaxed)
            return change
        }
    }

    /// Ends any outlier ejection and forgets the failure run (the admin API's circuit reset).
    public func clearEjection() {
        health.withLock { state in
            state.outlier.reset()
            ejectedUntil.store(0, ordering: .relaxed)
            available.store(state.active.isHealthy, ordering: .relaxed)
        }
    }

    /// Whether the balancer may send traffic here now: available and not behind an open breaker.
    public func isServing(at now: Int64) -> Bool {
        guard isAvailable(at: now) else { return false }
        switch breaker?.state {
        case .open?, .forcedOpen?: return false
        default: return true
        }
    }

    /// Live traffic succeeded.
    func callSucceeded() {
        health.withLock { $0.outlier.callSucceeded() }
    }

    /// Live traffic failed; returns the ejection outcome. `mayEject` enforces the upstream's cap.
    func callFailed(at now: Int64, mayEject: () -> Bool) -> OutlierDetector.Action {
        health.withLock { state in
            let action = state.outlier.callFailed(at: now, mayEject: mayEject())
            if case .ejected(let until) = action {
                ejectedUntil.store(until, ordering: .relaxed)
                available.store(false, ordering: .relaxed)
            }
            return action
        }
    }
}
