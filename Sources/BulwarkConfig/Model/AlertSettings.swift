/// The `alerts:` section: how often the health monitor evaluates its rules, the rules' thresholds and
/// the webhooks told when an alert opens or resolves. Every threshold rule can be switched off with
/// `enabled: false` (an unreachable dependency always alerts); defaults come from field practice.
public struct AlertSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `alerts.interval`
        public static let interval: Duration = .seconds(2)
        /// `alerts.webhook_timeout`
        public static let webhookTimeout: Duration = .seconds(5)
    }

    /// How often rules are evaluated. Default 2s.
    public var interval: Duration = Defaults.interval
    /// URLs (http or https) that receive an Alertmanager-style JSON payload on open and on resolve.
    public var webhooks: [String] = []
    /// Time allowed for one webhook delivery attempt. Default 5s.
    public var webhookTimeout: Duration = Defaults.webhookTimeout
    /// `alerts.memory`: resident memory above `warning` (400MB) or `error` (480MB).
    public var memory = Thresholds<Int>(warning: 400_000_000, error: 480_000_000)
    /// `alerts.dependency_latency`: a dependency (target probe, Redis ping) slower than `warning` (1s) or
    /// `error` (2s); unreachable is critical.
    public var dependencyLatency = Thresholds<Duration>(warning: .seconds(1), error: .seconds(2))
    /// `alerts.error_rate`: share of 5xx responses on a route above `warning` (5 %).
    public var errorRate = ErrorRateRule()
    /// `alerts.target_unavailable`: a target ejected, failing its health check or behind an open breaker
    /// (warning).
    public var targetUnavailable = true
    /// `alerts.no_healthy_target`: an upstream with no target able to serve (critical).
    public var noHealthyTarget = true

    /// Creates settings with every default.
    public init() {}

    /// A two-level threshold rule.
    public struct Thresholds<Value: Sendable & Hashable>: Sendable, Hashable {
        /// Whether the rule runs.
        public var enabled = true
        /// Above this: a warning.
        public var warning: Value
        /// Above this: an error.
        public var error: Value
        /// Creates a rule.
        public init(enabled: Bool = true, warning: Value, error: Value) {
            self.enabled = enabled
            self.warning = warning
            self.error = error
        }
    }

    /// The error-rate rule.
    public struct ErrorRateRule: Sendable, Hashable {
        /// Whether the rule runs.
        public var enabled = true
        /// Share of 5xx (0…1) above which a warning opens. Default 0.05 (`5%`).
        public var warning = 0.05
        /// The window the rate is measured over. Default 1m.
        public var window: Duration = .seconds(60)
        /// Fewer requests than this in the window never alert. Default 20.
        public var minimumRequests = 20
        /// Creates the rule with its defaults.
        public init() {}
    }
}
