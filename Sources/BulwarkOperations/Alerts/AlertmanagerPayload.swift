import Foundation

/// The JSON body sent to webhooks: Prometheus Alertmanager's webhook payload, version 4, so existing
/// receivers work, plus a top-level `text` so Slack-style incoming webhooks render it.
struct AlertmanagerPayload: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    var version = "4"
    var groupKey: String
    var truncatedAlerts = 0
    var status: String
    var receiver = "bulwark"
    var groupLabels: [String: String]
    var commonLabels: [String: String]
    var commonAnnotations: [String: String]
    var externalURL: String
    var alerts: [Entry]
    var text: String

    /// Alertmanager's "zero time" for alerts that have not ended.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// The payload for one change of one alert.
    init(change: AlertBook.Change, instance: String, externalURL: String) {
        let alert = change.alert
        let firing = alert.status == .open
        let labels = [
            "alertname": alert.rule, "severity": alert.severity.rawValue, "subject": alert.subject,
            "instance": instance, "service": "bulwark", "alert_id": alert.id,
        ]
        let annotations = ["summary": "\(alert.rule) on \(alert.subject)", "description": alert.message, "value": String(alert.value)]
        self.groupKey = "{}:{alertname=\"\(alert.rule)\", subject=\"\(alert.subject)\"}"
        self.status = firing ? "firing" : "resolved"
        self.groupLabels = ["alertname": alert.rule]
        self.commonLabels = labels
        self.commonAnnotations = annotations
        self.externalURL = externalURL
        self.alerts = [Entry(
            status: firing ? "firing" : "resolved", labels: labels, annotations: annotations,
            startsAt: Self.timestamp(alert.startedAt),
            endsAt: alert.endedAt.map(Self.timestamp) ?? Self.zeroTime,
            generatorURL: "\(externalURL)#alert=\(alert.id)", fingerprint: alert.id
        )]
        let verb: String
        switch change {
        case .opened: verb = "FIRING"
        case .severityChanged: verb = "FIRING (now \(alert.severity.rawValue))"
        case .resolved: verb = alert.resolvedBy == "manual" ? "RESOLVED (by hand)" : "RESOLVED"
        }
        self.text = "[\(verb)] [\(alert.severity.rawValue.uppercased())] \(alert.rule) on \(alert.subject): \(alert.message) (bulwark \(instance), alert \(alert.id))"
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
