import Foundation

/// How near a certificate the HTTPS listener serves is to its end, at a given moment: the one reading
/// that `/health`, the dashboard and the `certificate_expiring` alert share.
///
/// | time left at `now` | ``Level`` |
/// | --- | --- |
/// | more than 14 days | `ok` |
/// | 14 days or less | `warning` |
/// | 3 days or less, or already expired | `error` |
///
/// ```swift
/// let expiry = CertificateExpiry(notValidAfter: certificate.notValidAfter, now: now)
/// expiry.level    // .warning
/// expiry.daysLeft // 10
/// expiry.phrase   // "expires in 10 days, on 2026-12-10 10:00 UTC"
/// ```
public struct CertificateExpiry: Sendable, Hashable {
    /// How urgent a renewal is, in increasing order.
    public enum Level: String, Sendable, Hashable, Codable, Comparable {
        /// More than ``CertificateExpiry/warningWithin`` left.
        case ok
        /// ``CertificateExpiry/warningWithin`` or less left.
        case warning
        /// ``CertificateExpiry/errorWithin`` or less left, or expired.
        case error

        private var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .error: 2
            }
        }

        /// Orders by urgency.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// A certificate with this much time left or less is a `warning`: 14 days.
    public static let warningWithin: TimeInterval = 14 * secondsPerDay
    /// A certificate with this much time left or less, or expired, is an `error`: 3 days.
    public static let errorWithin: TimeInterval = 3 * secondsPerDay
    static let secondsPerDay: TimeInterval = 86_400

    /// When the certificate stops being valid.
    public let notValidAfter: Date
    /// Seconds from `now` to ``notValidAfter``; negative once expired.
    public let secondsLeft: TimeInterval

    /// Reads `notValidAfter` as seen at `now`.
    public init(notValidAfter: Date, now: Date) {
        self.notValidAfter = notValidAfter
        self.secondsLeft = notValidAfter.timeIntervalSince(now)
    }

    /// How urgent a renewal is.
    public var level: Level {
        if secondsLeft <= Self.errorWithin { return .error }
        if secondsLeft <= Self.warningWithin { return .warning }
        return .ok
    }

    /// Whole days left, rounded down: 0 on the last day, negative once expired.
    public var daysLeft: Int { Int((secondsLeft / Self.secondsPerDay).rounded(.down)) }

    /// Whether the certificate is no longer valid.
    public var isExpired: Bool { secondsLeft <= 0 }

    /// `expires in 2 days, on 2026-12-02 10:00 UTC`, `expires in 5 hours, on …` or `expired 1 day ago, on …`.
    public var phrase: String {
        let on = "on \(Self.utc(notValidAfter))"
        let amount = Self.amount(abs(secondsLeft))
        return isExpired ? "expired \(amount) ago, \(on)" : "expires in \(amount), \(on)"
    }

    /// `2 days`, `1 day`, `5 hours` or `12 minutes`: the largest whole unit, rounded down.
    static func amount(_ seconds: TimeInterval) -> String {
        let (count, unit): (Int, String) =
            seconds >= secondsPerDay ? (Int(seconds / secondsPerDay), "day")
            : seconds >= 3600 ? (Int(seconds / 3600), "hour")
            : (Int(seconds / 60), "minute")
        return "\(count) \(unit)\(count == 1 ? "" : "s")"
    }

    /// `2026-12-02 10:00 UTC`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
