/// One of the period rules of a ``RetentionPolicy``.
enum RetentionRule: Sendable, CaseIterable {
    case daily
    case weekly
    case monthly
    case yearly

    /// The word that starts a reason, e.g. `daily`.
    var name: String {
        switch self {
        case .daily: "daily"
        case .weekly: "weekly"
        case .monthly: "monthly"
        case .yearly: "yearly"
        }
    }

    /// How many periods `policy` keeps under this rule (never below zero).
    func count(in policy: RetentionPolicy) -> Int {
        let count = switch self {
        case .daily: policy.daily
        case .weekly: policy.weekly
        case .monthly: policy.monthly
        case .yearly: policy.yearly
        }
        return max(0, count)
    }
}
