/// Renders rate-limit decisions as HTTP header fields.
///
/// The default style follows draft-ietf-httpapi-ratelimit-headers-11 (structured fields):
///
/// ```
/// RateLimit-Policy: "auth";q=5;w=900
/// RateLimit: "auth";r=0;t=412
/// Retry-After: 412
/// ```
///
/// ``Style/legacy`` renders the older `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` form.
/// Seconds are rounded up, so a client that waits as told is never early.
public enum RateLimitHeaders {
    /// Which header fields to render.
    public enum Style: String, Sendable, Hashable {
        /// `RateLimit-Policy` and `RateLimit` (draft-11).
        case ietf
        /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`.
        case legacy
    }

    /// Header fields for one policy's decision; `Retry-After` is added when the decision is a denial.
    public static func fields(
        for decision: RateLimitDecision,
        policy: RateLimitPolicy,
        style: Style = .ietf
    ) -> [(name: String, value: String)] {
        fields(for: [(policy, decision)], style: style)
    }

    /// Header fields for several policies applied to one request (each a list member). `Retry-After` is
    /// the longest wait among the denials; legacy headers describe the most constrained policy.
    public static func fields(
        for decisions: [(policy: RateLimitPolicy, decision: RateLimitDecision)],
        style: Style = .ietf
    ) -> [(name: String, value: String)] {
        guard !decisions.isEmpty else { return [] }
        var result: [(name: String, value: String)] = []
        switch style {
        case .ietf:
            result.append(("RateLimit-Policy", decisions.map { policyItem($0.policy) }.joined(separator: ", ")))
            result.append(("RateLimit", decisions.map { limitItem($0.policy, $0.decision) }.joined(separator: ", ")))
        case .legacy:
            let tightest = decisions.min { $0.decision.remaining < $1.decision.remaining }!
            result.append(("RateLimit-Limit", "\(tightest.decision.limit)"))
            result.append(("RateLimit-Remaining", "\(tightest.decision.remaining)"))
            result.append(("RateLimit-Reset", "\(seconds(tightest.decision.resetAfter))"))
        }
        if let wait = retryAfter(decisions.map(\.decision)) {
            result.append(("Retry-After", "\(seconds(wait))"))
        }
        return result
    }

    /// The `Retry-After` wait for a request: the longest among the denials, `nil` when none denied.
    public static func retryAfter(_ decisions: [RateLimitDecision]) -> Duration? {
        decisions.filter { !$0.allowed }.map { $0.retryAfter ?? $0.resetAfter }.max()
    }

    /// `"auth";q=5;w=900`
    public static func policyItem(_ policy: RateLimitPolicy) -> String {
        "\(quoted(policy.name));q=\(policy.limit);w=\(seconds(policy.window))"
    }

    /// `"auth";r=0;t=412`
    public static func limitItem(_ policy: RateLimitPolicy, _ decision: RateLimitDecision) -> String {
        "\(quoted(policy.name));r=\(decision.remaining);t=\(seconds(decision.resetAfter))"
    }

    /// Whole seconds, rounded up, never negative.
    public static func seconds(_ duration: Duration) -> Int64 {
        let nanos = max(0, duration.nanoseconds)
        return (nanos + 999_999_999) / 1_000_000_000
    }

    /// A structured-field string: quotes and backslashes escaped, other non-printable ASCII dropped.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars where scalar.value >= 0x20 && scalar.value < 0x7F {
            if scalar == "\"" || scalar == "\\" { out.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}
