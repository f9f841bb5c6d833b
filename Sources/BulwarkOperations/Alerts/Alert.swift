import Foundation

/// How bad an alert is, in increasing order.
public enum AlertSeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// Worth a look.
    case warning
    /// Service is impaired.
    case error
    /// Service is down or about to be.
    case critical

    private var rank: Int {
        switch self {
        case .warning: 0
        case .error: 1
        case .critical: 2
        }
    }

    /// Orders by rank.
    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// A condition a rule found true at one evaluation: what is wrong, with whom, how badly.
public struct AlertCondition: Sendable, Hashable {
    /// The rule, e.g. `target_unavailable`.
    public var rule: String
    /// What it is about, e.g. `app/127.0.0.1:8081`.
    public var subject: String
    /// How bad.
    public var severity: AlertSeverity
    /// The measured value (bytes, seconds, ratio; 1 for yes/no conditions).
    public var value: Double
    /// A sentence for people.
    public var message: String

    /// Creates a condition.
    public init(rule: String, subject: String, severity: AlertSeverity, value: Double, message: String) {
        self.rule = rule
        self.subject = subject
        self.severity = severity
        self.value = value
        self.message = message
    }

    var key: AlertKey { AlertKey(rule: rule, subject: subject) }
}

/// One alert: open while its condition holds, resolved when it clears or by hand.
public struct Alert: Sendable, Hashable, Codable {
    /// Open or resolved.
    public enum Status: String, Sendable, Hashable, Codable {
        /// The condition holds.
        case open
        /// The condition cleared, or someone resolved it.
        case resolved
    }

    /// Unique id (used by `POST /api/alerts/{id}/resolve`).
    public var id: String
    /// Open or resolved.
    public var status: Status
    /// How bad, as of the latest evaluation (it follows the condition up and down while open).
    public var severity: AlertSeverity
    /// The rule that raised it.
    public var rule: String
    /// What it is about.
    public var subject: String
    /// The last measured value.
    public var value: Double
    /// The last message.
    public var message: String
    /// When it opened.
    public var startedAt: Date
    /// When it resolved; nil while open.
    public var endedAt: Date?
    /// `auto` when the condition cleared, `manual` when resolved through the API.
    public var resolvedBy: String?

    enum CodingKeys: String, CodingKey {
        case id, status, severity, rule, subject, value, message
        case startedAt = "started_at", endedAt = "ended_at", resolvedBy = "resolved_by"
    }

    /// Encodes `ended_at` and `resolved_by` as null while open, so clients always see the keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(severity, forKey: .severity)
        try container.encode(rule, forKey: .rule)
        try container.encode(subject, forKey: .subject)
        try container.encode(value.isFinite ? value : 0, forKey: .value)
        try container.encode(message, forKey: .message)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        try container.encode(resolvedBy, forKey: .resolvedBy)
    }
}

/// Rule and subject: at most one alert is open per key.
struct AlertKey: Hashable, Sendable {
    var rule: String
    var subject: String
}
