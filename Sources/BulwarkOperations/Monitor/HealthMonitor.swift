import BulwarkConfig
import BulwarkGateway
import Foundation
import Logging
import Resilience
import Synchronization
import BulwarkSupervisor

/// The thin shell around the monitor's parts: on its clock it takes a ``GatewaySnapshot`` and the
/// dependency results, runs the pure ``AlertEvaluator`` every `alerts.interval` and sends the changes
/// to the webhooks, and records a ``MetricSample`` every `admin.sample_interval`. `/health` is built
/// by ``HealthReporter``; the checks themselves run in ``checkServices``, which the caller puts in its
/// ServiceGroup.
public final class HealthMonitor: Sendable {
    let settings: AlertSettings
    /// Time between two metric samples.
    public let sampleInterval: Duration
    /// The dependency checks, in `/health` order.
    public let checks: [DependencyCheck]
    let results: DependencyResults
    let notifier: WebhookNotifier
    /// Bulwark's version, for `/health` and `bulwark_build_info`.
    public let version: String
    /// When the monitor started (wall clock).
    public let startedAt: Date
    let instance: String
    let externalURL: String
    let directories: [WatchedDirectory]
    let logger: Logger
    private let takeSnapshot: @Sendable () -> GatewaySnapshot
    private let processStatus: @Sendable () -> [ProcessGroupStatus]
    private let clock: PolicyClock
    private let state: Mutex<State>

    struct State {
        var evaluator: AlertEvaluator
        var history: MetricHistory
        var lastSample: MetricSample?
        var latestValues: [String: Double] = [:]
    }

    /// Creates a monitor.
    /// - Parameters:
    ///   - snapshot: reads the gateway now (``GatewaySnapshot/init(of:)`` for a live one).
    ///   - checks: the dependency checks; ``checkServices`` runs them.
    ///   - processes: the supervised process groups now (`bulwark run`; none by default).
    ///   - directories: directories whose filesystem usage `/api/system` and `/metrics` show.
    ///   - clock: every interval and every timestamp comes from it; `startedAt` anchors its wall-clock
    ///     dates.
    public init(
        snapshot: @escaping @Sendable () -> GatewaySnapshot, settings: AlertSettings, sampleInterval: Duration,
        checks: [DependencyCheck], processes: @escaping @Sendable () -> [ProcessGroupStatus] = { [] }, notifier: WebhookNotifier, version: String, instance: String, externalURL: String,
        directories: [WatchedDirectory] = [], logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(), startedAt: Date = Date(), historySize: Int = 1000
    ) {
        self.takeSnapshot = snapshot
        self.processStatus = processes
        self.settings = settings
        self.sampleInterval = sampleInterval
        self.checks = checks
        self.results = DependencyResults(names: checks.map(\.name))
        self.notifier = notifier
        self.version = version
        self.instance = instance
        self.externalURL = externalURL
        self.directories = directories
        self.logger = logger
        self.clock = PolicyClock(clock)
        self.startedAt = startedAt
        let prefix = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
        self.state = Mutex(State(evaluator: AlertEvaluator(settings: settings, idPrefix: "\(prefix)-"), history: MetricHistory(capacity: historySize)))
    }

    /// One service per check kind, sharing this monitor's results and clock.
    public func checkServices() -> [DependencyCheckService] {
        var kinds: [String] = []
        for check in checks where !kinds.contains(check.kind) { kinds.append(check.kind) }
        return kinds.map { kind in
            DependencyCheckService(kind: kind, checks: checks.filter { $0.kind == kind }, results: results, clock: clock, logger: logger)
        }
    }

    /// Now, on the wall clock.
    var date: Date { startedAt.addingTimeInterval(clock.now().seconds) }

    /// The gateway now.
    public func snapshot() -> GatewaySnapshot { takeSnapshot() }

    /// The latest result of every dependency check that has run.
    public var dependencies: [Observation.DependencyObservation] { results.all }

    // MARK: Loops

    /// Evaluates and samples until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    self.evaluate()
                    try? await self.clock.sleep(for: self.settings.interval)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    self.sample()
                    try? await self.clock.sleep(for: self.sampleInterval)
                }
            }
            await group.waitForAll()
        }
    }

    /// One evaluation of the alert rules over the current snapshot and dependency results; changes go
    /// to the log and the webhooks.
    public func evaluate() {
        let snapshot = takeSnapshot()
        let dependencies = results.all
        let processes = processStatus()
        let (now, date) = (clock.now(), self.date)
        let changes = state.withLock { state in
            let resident = state.lastSample?.process.residentBytes ?? ProcessSample.current().residentBytes
            return state.evaluator.evaluate(snapshot, dependencies: dependencies, processes: processes, residentBytes: resident, now: now, date: date)
        }
        for change in changes { announce(change) }
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

    // MARK: Health

    /// `GET /health`.
    public func healthReport() -> HealthReport {
        healthReport(for: takeSnapshot())
    }

    /// `GET /health` for `snapshot`.
    public func healthReport(for snapshot: GatewaySnapshot) -> HealthReport {
        healthReport(for: snapshot, dependencies: results.all, openAlerts: openAlerts())
    }

    /// `GET /health` for `snapshot`, `dependencies` and `openAlerts` already read (one `/metrics`
    /// scrape reads each once).
    public func healthReport(for snapshot: GatewaySnapshot, dependencies: [Observation.DependencyObservation], openAlerts: [Alert]) -> HealthReport {
        HealthReporter.report(
            snapshot, dependencies: dependencies, processes: processStatus(), openAlerts: openAlerts.map(\.severity), settings: settings,
            version: version, startedAt: startedAt, date: date
        )
    }

    /// The host's network counters and the watched directories' filesystem usage, now.
    public func hostSample() -> HostSample {
        HostSample.read(directories: directories.map { ($0.label, $0.path) })
    }

    // MARK: Alerts API

    /// Every alert: open first, then recently resolved.
    public func alerts() -> [Alert] { state.withLock { $0.evaluator.book.allAlerts } }

    /// The alert `id`, open or resolved.
    public func alert(id: String) -> Alert? { state.withLock { $0.evaluator.book.alert(id: id) } }

    /// Open alerts.
    public func openAlerts() -> [Alert] { state.withLock { $0.evaluator.book.openAlerts } }

    /// Resolves an alert by hand; nil when unknown.
    public func resolveAlert(id: String) -> Alert? {
        let date = self.date
        let result = state.withLock { $0.evaluator.resolve(id: id, at: date) }
        guard let result else { return nil }
        if result.changed { announce(.resolved(result.alert)) }
        return result.alert
    }

    // MARK: Metric history

    /// Takes one sample of every metric into the history.
    public func sample() {
        let snapshot = takeSnapshot()
        let sample = MetricSample(at: clock.now(), process: ProcessSample.current(), routes: snapshot.routeStatistics)
        let health = healthReport(for: snapshot)
        let date = self.date
        state.withLock { state in
            var values = sample.values(since: state.lastSample, snapshot: snapshot)
            values["health_score"] = Double(health.score)
            values["open_alerts"] = Double(state.evaluator.book.openAlerts.count)
            for (name, value) in values { state.history.record(name, value, at: date) }
            state.latestValues = values
            state.lastSample = sample
        }
    }

    /// The last sampled values (`GET /api/metrics`), taking a sample first if none exists.
    public func currentMetrics() -> [String: Double] {
        if state.withLock({ $0.lastSample == nil }) { sample() }
        return state.withLock { $0.latestValues }
    }

    /// Samples of `name` over the last `window`; nil for an unknown name.
    public func history(_ name: String, window: Duration) -> (samples: [MetricHistory.Sample], names: [String])? {
        let since = date.addingTimeInterval(-window.seconds)
        return state.withLock { state in
            state.history.samples(name, since: since).map { ($0, state.history.names) }
        }
    }

    /// Names of the metrics with history.
    public var historyNames: [String] { state.withLock { $0.history.names } }
}

/// A directory whose filesystem usage `/api/system` and `/metrics` show (the backup directory, the
/// audit journal, a `disk` check's path).
public struct WatchedDirectory: Sendable, Hashable {
    /// What it holds: `backup`, `journal`, or a `disk` check's name.
    public var label: String
    /// Its path.
    public var path: String

    /// Creates a record.
    public init(label: String, path: String) {
        self.label = label
        self.path = path
    }
}
