import Foundation

/// The alerts, as a pure state machine fed with the conditions found at each evaluation. At most one
/// alert is open per rule and subject; an alert resolves by itself when its condition is no longer
/// reported, or by hand. A hand-resolved alert whose condition still holds stays resolved (it is not
/// reopened) until the condition clears once.
public struct AlertBook: Sendable {
    /// What changed at an evaluation, for notifications.
    public enum Change: Sendable, Hashable {
        /// A new alert.
        case opened(Alert)
        /// An open alert's severity changed.
        case severityChanged(Alert)
        /// An alert resolved.
        case resolved(Alert)

        /// The alert concerned.
        public var alert: Alert {
            switch self {
            case .opened(let alert), .severityChanged(let alert), .resolved(let alert): alert
            }
        }
    }

    /// Resolved alerts kept for the API.
    public let resolvedHistory: Int
    private(set) var open: [AlertKey: Alert] = [:]
    private(set) var resolved: [Alert] = []
    private var silenced: Set<AlertKey> = []
    private let idPrefix: String
    private var counter = 0

    /// An empty book. `idPrefix` makes ids unique across restarts (a random value in production).
    public init(idPrefix: String, resolvedHistory: Int = 200) {
        self.idPrefix = idPrefix
        self.resolvedHistory = resolvedHistory
    }

    /// Open alerts, most severe first, then oldest first.
    public var openAlerts: [Alert] {
        open.values.sorted { ($0.severity, $1.startedAt) > ($1.severity, $0.startedAt) }
    }

    /// Open alerts first, then resolved ones newest first.
    public var allAlerts: [Alert] { openAlerts + resolved.reversed() }

    /// Applies one evaluation: `conditions` are every condition that holds at `now`.
    public mutating func evaluate(_ conditions: [AlertCondition], at now: Date) -> [Change] {
        var changes: [Change] = []
        var holding: Set<AlertKey> = []
        for condition in conditions {
            let key = condition.key
            guard holding.insert(key).inserted else { continue }
            if var alert = open[key] {
                alert.value = condition.value
                alert.message = condition.message
                if alert.severity != condition.severity {
                    alert.severity = condition.severity
                    changes.append(.severityChanged(alert))
                }
                open[key] = alert
            } else if !silenced.contains(key) {
                counter += 1
                let alert = Alert(
                    id: "\(idPrefix)\(counter)", status: .open, severity: condition.severity,
                    rule: condition.rule, subject: condition.subject, value: condition.value,
                    message: condition.message, startedAt: now, endedAt: nil, resolvedBy: nil
                )
                open[key] = alert
                changes.append(.opened(alert))
            }
        }
        for key in open.keys where !holding.contains(key) {
            if let alert = close(key, at: now, by: "auto") { changes.append(.resolved(alert)) }
        }
        silenced.formIntersection(holding)
        return changes
    }

    /// Resolves the alert `id` by hand. Returns it (already resolved ones unchanged), or nil if unknown.
    public mutating func resolve(id: String, at now: Date) -> (alert: Alert, changed: Bool)? {
        if let key = open.first(where: { $0.value.id == id })?.key, let alert = close(key, at: now, by: "manual") {
            silenced.insert(key)
            return (alert, true)
        }
        return resolved.last(where: { $0.id == id }).map { ($0, false) }
    }

    /// The alert `id`, open or resolved.
    public func alert(id: String) -> Alert? {
        open.values.first { $0.id == id } ?? resolved.last { $0.id == id }
    }

    private mutating func close(_ key: AlertKey, at now: Date, by: String) -> Alert? {
        guard var alert = open.removeValue(forKey: key) else { return nil }
        alert.status = .resolved
        alert.endedAt = now
        alert.resolvedBy = by
        resolved.append(alert)
        if resolved.count > resolvedHistory { resolved.removeFirst(resolved.count - resolvedHistory) }
        return alert
    }
}
