import BulwarkConfig
import BulwarkCredentials
import Logging
import Resilience
import Synchronization

/// One upstream at run time: its targets' shared state, the balancer and the retry budget. Its
/// membership can change while it runs (``setTargets(_:)``, ``addTarget(_:)``, ``removeTarget(_:)``):
/// a target that leaves gets no new requests, and the requests already sent to it finish.
public final class UpstreamCluster: Sendable {
    /// The configuration it was built from (its `targets` are the ones it started with).
    public let settings: UpstreamSettings
    /// Retries allowed relative to requests.
    let retryBudget: RetryBudget
    let backoff: Backoff
    private let members: Mutex<Members>
    /// TLS for its `https://` targets: built with the upstream when it has one, else when the first joins.
    private let tlsClient: Mutex<UpstreamTLSClient?>
    private let roundRobinCounter = Atomic<Int>(0)
    private let logger: Logger
    /// What every request to it carries (`credentials:`); nil when nothing.
    let credential: UpstreamCredential?

    private struct Members {
        var targets: [TargetState]
        var nextIndex: Int
    }

    /// The upstream's name.
    public var name: String { settings.name }

    /// Its current targets, in the order they joined.
    public var targets: [TargetState] { members.withLock { $0.targets } }

    /// Builds the upstream, its targets' state and, when it has `https://` targets, its TLS context.
    /// - Throws: ``ConfigurationError``: a TLS file that cannot be used (keyed `upstreams.NAME.tls.…`)
    ///   or a breaker setting out of range.
    ///   `credential`: one to carry over from the upstream this one replaces (same `credentials:`), so a
    ///   reload keeps its valid token instead of fetching a new one.
    init(settings: UpstreamSettings, logger: Logger, credential: UpstreamCredential? = nil) throws(ConfigurationError) {
        self.settings = settings
        self.logger = logger
        if let credential {
            self.credential = credential
        } else {
            self.credential = try UpstreamCredential.make(settings, logger: logger)
        }
        let tls = settings.targets.contains { $0.scheme == .https } ? try Self.makeTLSClient(settings) : nil
        self.tlsClient = Mutex(tls)
        var states: [TargetState] = []
        for (index, target) in settings.targets.enumerated() {
            states.append(try Self.makeTarget(target, index: index, settings: settings, tls: target.scheme == .https ? tls : nil, logger: logger))
        }
        self.members = Mutex(Members(targets: states, nextIndex: states.count))
        self.retryBudget = RetryBudget(percent: settings.retry.budgetPercent, minimumPerSecond: settings.retry.budgetMinimumPerSecond)
        self.backoff = Backoff.exponential(base: max(settings.retry.backoffBase, .nanoseconds(1)), maximum: settings.retry.backoffMaximum).jittered(.full)
    }

    private static func makeTLSClient(_ settings: UpstreamSettings) throws(ConfigurationError) -> UpstreamTLSClient {
        try UpstreamTLSClient(settings: settings.tls, keyPath: "upstreams.\(settings.name).tls")
    }

    /// The upstream's TLS client, built now if no `https://` target needed it before.
    private func tls(for target: TargetURL) throws(ConfigurationError) -> UpstreamTLSClient? {
        guard target.scheme == .https else { return nil }
        if let existing = tlsClient.withLock({ $0 }) { return existing }
        let made = try Self.makeTLSClient(settings)
        return tlsClient.withLock { current in
            if let current { return current }
            current = made
            return made
        }
    }

    /// The state of its OAuth2 token (expiry, last refresh and its result, whether refreshes fail), when
    /// it has `credentials.oauth2_client_credentials`; nil otherwise. Holds no secret.
    public var credentialStatus: CredentialStatus? { credential?.tokenProvider?.status() }

    /// Fetches its first OAuth2 token now (in the background), if it has OAuth2 credentials.
    func startCredentials() { credential?.tokenProvider?.start() }

    /// Stops renewing its OAuth2 token (it left the configuration, or the gateway stopped).
    func stopCredentials() { credential?.tokenProvider?.shutdown() }

    /// Whether it speaks TLS to its targets without verifying their certificates (`tls.verify: false`).
    public var skipsTLSVerification: Bool {
        !settings.tls.verify && targets.contains { $0.target.scheme == .https }
    }

    private static func makeTarget(_ target: TargetURL, index: Int, settings: UpstreamSettings, tls: UpstreamTLSClient?, logger: Logger) throws(ConfigurationError) -> TargetState {
        let options = settings.circuitBreaker
        guard options.enabled else { return TargetState(index: index, target: target, upstream: settings, breaker: nil, tls: tls) }
        let breaker: CircuitBreaker
        do {
            breaker = try CircuitBreaker(CircuitBreakerConfiguration(
                name: "\(settings.name)/\(target.authority)",
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
        } catch {
            // The core names its own settings; say where they come from in bulwark.yaml.
            throw ConfigurationError(issues: error.issues.map {
                ConfigurationIssue(keyPath: "upstreams.\(settings.name).circuit_breaker (\($0.keyPath))", problem: $0.problem)
            })
        }
        return TargetState(index: index, target: target, upstream: settings, breaker: breaker, tls: tls)
    }

    // MARK: Membership

    /// What a membership change did: the targets that joined and the ones that left.
    public struct MembershipChange: Sendable {
        /// Targets added, with fresh health state.
        public var joined: [TargetState] = []
        /// Targets removed; requests in flight to them finish, their idle connections are closed.
        public var left: [TargetState] = []
    }

    /// Makes `targets` the upstream's members: targets already present (same scheme, host and port)
    /// keep their state (health, breaker, ejection, pooled connections); new ones join; the rest leave.
    @discardableResult
    public func setTargets(_ targets: [TargetURL]) throws(ConfigurationError) -> MembershipChange {
        let wanted = Self.unique(targets)
        var fresh: [TargetURL: TargetState] = [:]
        let existing = Set(self.targets.map(\.target))
        let reservedIndex = members.withLock { members in
            defer { members.nextIndex += wanted.count }
            return members.nextIndex
        }
        for (offset, target) in wanted.enumerated() where !existing.contains(target) {
            fresh[target] = try Self.makeTarget(target, index: reservedIndex + offset, settings: settings, tls: try tls(for: target), logger: logger)
        }
        let change = members.withLock { members in
            var change = MembershipChange()
            var next: [TargetState] = []
            let keep = Set(wanted)
            for state in members.targets {
                if keep.contains(state.target) { next.append(state) } else { change.left.append(state) }
            }
            let present = Set(next.map(\.target))
            for target in wanted where !present.contains(target) {
                // Made outside the lock; a concurrent change may have added it meanwhile.
                guard let state = fresh[target] else { continue }
                next.append(state)
                change.joined.append(state)
            }
            members.targets = next
            return change
        }
        for state in change.left { state.retire() }
        log(change)
        return change
    }

    /// Adds `target` unless it is a member already; returns whether it joined.
    @discardableResult
    public func addTarget(_ target: TargetURL) throws(ConfigurationError) -> Bool {
        let current = targets.map(\.target)
        guard !current.contains(target) else { return false }
        return try !setTargets(current + [target]).joined.isEmpty
    }

    /// Removes `target` if it is a member; returns whether it left. Requests in flight to it finish.
    @discardableResult
    public func removeTarget(_ target: TargetURL) -> Bool {
        let change = members.withLock { members in
            var change = MembershipChange()
            members.targets.removeAll { state in
                guard state.target == target else { return false }
                change.left.append(state)
                return true
            }
            return change
        }
        for state in change.left { state.retire() }
        log(change)
        return !change.left.isEmpty
    }

    private static func unique(_ targets: [TargetURL]) -> [TargetURL] {
        var seen = Set<TargetURL>()
        return targets.filter { seen.insert($0).inserted }
    }

    private func log(_ change: MembershipChange) {
        for state in change.joined {
            logger.notice("target joined", metadata: ["upstream": "\(name)", "target": "\(state.target.authority)"])
        }
        for state in change.left {
            logger.notice("target left; requests in flight to it finish", metadata: ["upstream": "\(name)", "target": "\(state.target.authority)", "in_flight": "\(state.inFlight)"])
        }
    }

    /// Chooses a target for an attempt, preferring ones this request has not tried. Returns nil when no
    /// target is available (all unhealthy, ejected or behind open breakers).
    func pick(at now: Int64, tried: UInt64) -> (TargetState, CircuitBreakerPermit?)? {
        let targets = self.targets
        var rejected: UInt64 = 0
        for _ in 0..<targets.count {
            let eligible: (Int) -> Bool = { position in
                rejected & (1 << UInt64(position % 64)) == 0 && targets[position].isAvailable(at: now)
            }
            // `tried` holds the targets' own numbers (see ``TargetState/index``), not positions.
            let excluded: (Int) -> Bool = { tried & (1 << UInt64(targets[$0].index % 64)) != 0 }
            let chosen: Int?
            switch settings.balancer {
            case .roundRobin:
                let counter = roundRobinCounter.wrappingAdd(1, ordering: .relaxed).oldValue
                chosen = LoadBalancer.roundRobin(count: targets.count, counter: counter, isEligible: eligible, excluded: excluded)
            case .leastRequest:
                let available = targets.indices.filter(eligible)
                let fresh = available.filter { !excluded($0) }
                var random = SystemRandomNumberGenerator()
                chosen = LoadBalancer.leastRequest(candidates: fresh.isEmpty ? available : fresh, inFlight: { targets[$0].inFlight }, random: &random)
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
        let targets = self.targets
        let ejected = targets.reduce(0) { $0 + ($1.isEjected(at: now) ? 1 : 0) }
        let cap = max(1, targets.count * settings.outlierDetection.maxEjectionPercent / 100)
        return ejected < cap
    }

    /// Records a failed attempt on `target` (connect error, 5xx, timeout) for outlier detection.
    func recordFailure(_ target: TargetState, at now: Int64, reason: String) {
        target.failureObserved(reason)
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
