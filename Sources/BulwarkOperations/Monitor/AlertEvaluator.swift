import BulwarkConfig
import BulwarkGateway
import BulwarkSupervisor
import Foundation

/// The pure part of alerting: takes what was seen (a gateway snapshot, the dependency results, the
/// process's memory) and the time, and returns the alert changes to announce. It keeps the alert book
/// and the route counters at past evaluations (for the error-rate window); it does no I/O and reads no
/// clock, so its rules are tested with a manual `now`.
public struct AlertEvaluator: Sendable {
    /// Open and recently resolved alerts.
    public private(set) var book: AlertBook
    let settings: AlertSettings
    /// Route statistics at past evaluations, by monotonic time.
    private var trafficWindow: [(at: Duration, routes: [RouteStatistics])] = []

    /// An evaluator with no alerts; alert ids start with `idPrefix`.
    public init(settings: AlertSettings, idPrefix: String) {
        self.settings = settings
        self.book = AlertBook(idPrefix: idPrefix)
    }

    /// One evaluation at monotonic time `now` and wall-clock `date`: the alerts that opened, changed
    /// severity or resolved.
    public mutating func evaluate(
        _ snapshot: GatewaySnapshot, dependencies: [Observation.DependencyObservation], processes: [ProcessGroupStatus] = [],
        residentBytes: Int?, now: Duration, date: Date
    ) -> [AlertBook.Change] {
        let routes = snapshot.routeStatistics
        trafficWindow.append((now, routes))
        let horizon = now - settings.errorRate.window
        // Keep one entry at or before the window's start to subtract from.
        while trafficWindow.count > 2, trafficWindow[1].at <= horizon { trafficWindow.removeFirst() }
        let base = trafficWindow.first?.routes ?? []
        var observation = Observation(snapshot, dependencies: dependencies, at: date)
        observation.residentBytes = residentBytes
        observation.processes = processes
        observation.routeTraffic = routes.map { current in
            let before = base.first { $0.route == current.route } ?? RouteStatistics(route: current.route)
            let delta = current.subtracting(before)
            return .init(route: current.route, requests: delta.requests, serverErrors: delta.serverErrors)
        }
        return book.evaluate(AlertRules.conditions(for: observation, settings: settings), at: date)
    }

    /// Resolves alert `id` by hand at `date`; nil when unknown.
    public mutating func resolve(id: String, at date: Date) -> (alert: Alert, changed: Bool)? {
        book.resolve(id: id, at: date)
    }
}

extension Observation {
    /// The facts of `snapshot` and `dependencies` at `date` (no memory, no route traffic).
    public init(_ snapshot: GatewaySnapshot, dependencies: [DependencyObservation], at date: Date) {
        self.init(now: date)
        targets = snapshot.targets
        certificates = snapshot.certificates
        handshakeFailures = snapshot.handshakeFailures
        credentials = snapshot.credentials
        auth = snapshot.auth
        audit = snapshot.audit
        postgres = snapshot.postgres
        self.dependencies = dependencies
    }
}
