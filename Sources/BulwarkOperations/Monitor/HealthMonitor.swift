import BulwarkConfig
import BulwarkGateway
import Foundation
import Logging
import Synchronization

/// Watches the running gateway and the process: every `alerts.interval` it checks dependencies, reads
/// target health and traffic, evaluates the alert rules and sends the changes to the webhooks; every
/// `admin.sample_interval` it records the metric history. `/health`, `/api/metrics` and the alerts API
/// read its state.
public final class HealthMonitor: Sendable {
    let gateway: Gateway
    let settings: AlertSettings
    let sampleInterval: Duration
    let dependencies: [any DependencyCheck]
    let notifier: WebhookNotifier
    let version: String
    let startedAt: Date
    let instance: String
    let externalURL: String
    let logger: Logger
    private let clock: any Clock<Duration>
    private let state: Mutex<State>

    struct State {
        var book: AlertBook
        var dependencyResults: [String: Observation.DependencyObservation] = [:]
        /// Route statistics at past evaluations, for the error-rate window.
        var trafficWindow: [(at: ContinuousClock.Instant, routes: [RouteStatistics])] = []
        var history: MetricHistory
        var lastSample: (at: ContinuousClock.Instant, process: ProcessSample, routes: [RouteStatistics])?
        var latestSnapshot: [String: Double] = [:]
    }

    /// Creates a monitor of `gateway`.
    public init(
        gateway: Gateway, settings: AlertSettings, sampleInterval: Duration, dependencies: [any DependencyCheck],
        notifier: WebhookNotifier, version: String, instance: String, externalURL: String,
        logger: Logger, clock: any Clock<Duration> = ContinuousClock(), historySize: Int = 1000
    ) {
        self.gateway = gateway
        self.settings = settings
        self.sampleInterval = sampleInterval
        self.dependencies = dependencies
        self.notifier = notifier
        self.version = version
        self.instance = instance
        self.externalURL = externalURL
        self.logger = logger
        self.clock = clock
        self.startedAt = Date()
        let prefix = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
        self.state = Mutex(State(book: AlertBook(idPrefix: "\(prefix)-"), history: MetricHistory(capacity: historySize)))
    }

    // MARK: Loops

    /// Evaluates and samples until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    await self.evaluate()
                    try? await self.clock.sleep(for: self.settings.interval)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    self.sample()
                    try? await self.clock.sleep(for: self.sampleInterval)
                }
            }
            await group.next()
            await group.next()
        }
    }

    /// One evaluation: dependency checks, alert rules, notifications.
    public func evaluate() async {
        await checkDependencies()
        let now = ContinuousClock.now
        let date = Date()
        let routes = gateway.telemetry.routeStatistics()
        let observation = state.withLock { state in
            state.trafficWindow.append((now, routes))
            let horizon = now - settings.errorRate.window
            // Keep one entry at or before the window's start to subtract from.
            while state.trafficWindow.count > 2, state.trafficWindow[1].at <= horizon { state.trafficWindow.removeFirst() }
            let base = state.trafficWindow.first?.routes ?? []
            return observe(routes: routes, windowBase: base, state: state, at: date)
        }
        let conditions = AlertRules.conditions(for: observation, settings: settings)
        let changes = state.withLock { $0.book.evaluate(conditions, at: date) }
        for change in changes { announce(change) }
    }

    private func checkDependencies() async {
        let timeout = max(settings.dependencyLatency.error * 2, .seconds(1))
        await withTaskGroup(of: Observation.DependencyObservation.self) { group in
            for dependency in dependencies {
                group.addTask {
                    let start = ContinuousClock.now
                    let error = await dependency.check(timeout: timeout)
                    let latency = ContinuousClock.now - start
                    return .init(name: dependency.name, kind: dependency.kind, latency: error == nil ? latency : nil, error: error)
                }
            }
            for await result in group {
                state.withLock { $0.dependencyResults[result.name] = result }
            }
        }
    }

    private func announce(_ change: AlertBook.Change) {
        let alert = change.alert
        let metadata: Logger.Metadata = [
            "alert": "\(alert.id)", "rule": "\(alert.rule)", "subject": "\(alert.subject)",
            "severity": "\(alert.severity.rawValue)", "message": "\(alert.message)",
        ]
        switch change {
        case .opened, .severityChanged: logger.warning("alert firing", metadata: metadata)
        case .resolved: logger.notice("alert resolved", metadata: metadata)
        }
        let payload = AlertmanagerPayload(change: change, instance: instance, externalURL: externalURL)
        if let body = try? JSONEncoder().encode(payload) { notifier.enqueue(body) }
    }

    // MARK: Observation

    /// What the gateway and process look like at `date`.
    func observe(routes: [RouteStatistics], windowBase: [RouteStatistics], state: State, at date: Date) -> Observation {
        var observation = Observation(now: date)
        observation.residentBytes = state.lastSample?.process.residentBytes ?? ProcessSample.current().residentBytes
        observation.targets = Self.targets(of: gateway)
        observation.certificates = gateway.tlsCertificates
        observation.handshakeFailures = gateway.tlsHandshakeFailures
        observation.credentials = Self.credentials(of: gateway)
        observation.dependencies = dependencies.compactMap { state.dependencyResults[$0.name] }
        observation.routeTraffic = routes.map { current in
            let base = windowBase.first { $0.route == current.route } ?? RouteStatistics(route: current.route)
            let delta = current.subtracting(base)
            return .init(route: current.route, requests: delta.requests, serverErrors: delta.serverErrors)
        }
        return observation
    }

    /// Every target of `gateway`, now.
    static func targets(of gateway: Gateway) -> [Observation.TargetObservation] {
        let now = Gateway.monotonicNow()
        return gateway.upstreams.flatMap { upstream in
            upstream.targets.map { target in
                let probe = target.lastProbe
                var observation = Observation.TargetObservation(
                    upstream: upstream.name, target: target.target.authority,
                    serving: target.isServing(at: now), ejected: target.isEjected(at: now),
                    activelyHealthy: target.isActivelyHealthy,
                    breaker: target.breaker.map { $0.state.rawValue } ?? "none",
                    // A failed probe's time says nothing about speed: only passing probes count as latency.
                    probeLatency: probe?.passed == true ? probe?.latency : nil, probeDetail: probe?.detail
                )
                observation.lastFailure = target.lastFailure
                return observation
            }
        }
    }

    /// Whether every route has a target able to serve and the gateway is not draining.
    public var isReady: Bool {
        let now = Gateway.monotonicNow()
        return !gateway.isDraining && gateway.routes.allSatisfy { $0.upstream.hasAvailableTarget(at: now) }
    }

    /// `GET /health`.
    public func healthReport() -> HealthReport {
        let now = Gateway.monotonicNow()
        let date = Date()
        let routesServable = gateway.routes.allSatisfy { $0.upstream.hasAvailableTarget(at: now) }
        let (observation, openAlerts) = state.withLock { state in
            var observation = Observation(now: date)
            observation.targets = Self.targets(of: gateway)
            observation.certificates = gateway.tlsCertificates
            observation.handshakeFailures = gateway.tlsHandshakeFailures
            observation.credentials = Self.credentials(of: gateway)
            observation.dependencies = dependencies.compactMap { state.dependencyResults[$0.name] }
            return (observation, state.book.openAlerts.map(\.severity))
        }
        let checks = HealthScoring.checks(for: observation, slowAfter: settings.dependencyLatency.warning)
        let (status, score) = HealthScoring.evaluate(checks: checks, routesServable: routesServable, draining: gateway.isDraining, openAlerts: openAlerts)
        return HealthReport(
            status: status, score: score, ready: routesServable && !gateway.isDraining, draining: gateway.isDraining,
            version: version, uptimeSeconds: date.timeIntervalSince(startedAt), checkedAt: date, checks: checks,
            tls: HealthScoring.tls(for: observation)
        )
    }

    // MARK: Alerts API

    /// Every alert: open first, then recently resolved.
    public func alerts() -> [Alert] { state.withLock { $0.book.allAlerts } }

    /// The alert `id`, open or resolved.
    public func alert(id: String) -> Alert? { state.withLock { $0.book.alert(id: id) } }

    /// Open alerts.
    public func openAlerts() -> [Alert] { state.withLock { $0.book.openAlerts } }

    /// Resolves an alert by hand; nil when unknown.
    public func resolveAlert(id: String) -> Alert? {
        let result = state.withLock { $0.book.resolve(id: id, at: Date()) }
        guard let result else { return nil }
        if result.changed { announce(.resolved(result.alert)) }
        return result.alert
    }

    // MARK: Metric history

    /// Takes one sample of every metric into the history.
    public func sample() {
        let process = ProcessSample.current()
        let routes = gateway.telemetry.routeStatistics()
        let now = ContinuousClock.now
        let date = Date()
        let health = healthReport()
        let targets = Self.targets(of: gateway)
        state.withLock { state in
            var values = Self.snapshot(
                routes: routes, previous: state.lastSample, process: process, now: now,
                inFlight: gateway.telemetry.inFlight, retries: gateway.telemetry.retries
            )
            values["health_score"] = Double(health.score)
            values["open_alerts"] = Double(state.book.openAlerts.count)
            values["healthy_targets"] = Double(targets.filter(\.serving).count)
            values["unavailable_targets"] = Double(targets.filter { !$0.serving }.count)
            if gateway.redisClient != nil { values["ratelimit_leased_outstanding"] = Double(gateway.leasedRateLimitOutstanding) }
            for (name, value) in values { state.history.record(name, value, at: date) }
            state.latestSnapshot = values
            state.lastSample = (now, process, routes)
        }
    }

    /// The last sampled values (`GET /api/metrics`), taking a sample first if none exists.
    public func currentMetrics() -> [String: Double] {
        if state.withLock({ $0.lastSample == nil }) { sample() }
        return state.withLock { $0.latestSnapshot }
    }

    /// Samples of `name` over the last `window`; nil for an unknown name.
    public func history(_ name: String, window: Duration) -> (samples: [MetricHistory.Sample], names: [String])? {
        let since = Date().addingTimeInterval(-window.seconds)
        return state.withLock { state in
            state.history.samples(name, since: since).map { ($0, state.history.names) }
        }
    }

    /// Names of the metrics with history.
    public var historyNames: [String] { state.withLock { $0.history.names } }

    static func snapshot(
        routes: [RouteStatistics], previous: (at: ContinuousClock.Instant, process: ProcessSample, routes: [RouteStatistics])?,
        process: ProcessSample, now: ContinuousClock.Instant, inFlight: Int, retries: Int
    ) -> [String: Double] {
        var total = RouteStatistics(route: "all")
        for route in routes { total.add(route) }
        var previousTotal = RouteStatistics(route: "all")
        for route in previous?.routes ?? [] { previousTotal.add(route) }
        let delta = total.subtracting(previousTotal)
        let elapsed = previous.map { (now - $0.at).seconds } ?? 0
        var values: [String: Double] = [
            "requests_total": Double(total.requests),
            "server_errors_total": Double(total.serverErrors),
            "rate_limited_total": Double(total.rateLimited),
            "retries_total": Double(retries),
            "in_flight": Double(inFlight),
            "request_rate": elapsed > 0 ? Double(delta.requests) / elapsed : 0,
            "rate_limited_rate": elapsed > 0 ? Double(delta.rateLimited) / elapsed : 0,
            "error_rate": delta.requests > 0 ? Double(delta.serverErrors) / Double(delta.requests) : 0,
            "rss_bytes": Double(process.residentBytes),
            "cpu_seconds": process.cpuSeconds,
            "cpu_percent": elapsed > 0 ? max(0, process.cpuSeconds - (previous?.process.cpuSeconds ?? 0)) / elapsed * 100 : 0,
            "open_files": Double(process.openFiles),
            "threads": Double(process.threads),
        ]
        let window = delta.latency.count > 0 ? delta.latency : total.latency
        values["latency_p50_ms"] = (window.quantile(0.50) ?? 0) * 1000
        values["latency_p95_ms"] = (window.quantile(0.95) ?? 0) * 1000
        values["latency_p99_ms"] = (window.quantile(0.99) ?? 0) * 1000
        return values
    }
}
