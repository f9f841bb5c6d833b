import Resilience

/// What a configuration reload did (``Gateway/reload(_:)``).
public struct ReloadOutcome: Sendable, Hashable {
    /// Whether the configuration was put in force.
    public enum Status: String, Sendable, Hashable {
        /// Valid and in force for every new request; requests in flight finish on the old settings.
        case applied
        /// Valid, and the same as what was running: nothing to do.
        case unchanged
        /// Invalid: nothing changed; ``problems`` says why.
        case rejected
    }

    /// Applied, unchanged or rejected.
    public var status: Status
    /// Every problem of a rejected configuration, each with its key path (empty otherwise).
    public var problems: [ConfigurationIssue] = []
    /// Key paths whose new value only takes effect after a restart (the old one stays in force).
    public var needsRestart: [String] = []
    /// What changed, in words a log reader understands (e.g. `upstreams.app.targets: +1 -0`).
    public var changes: [String] = []

    /// Creates an outcome.
    public init(status: Status, problems: [ConfigurationIssue] = [], needsRestart: [String] = [], changes: [String] = []) {
        self.status = status
        self.problems = problems
        self.needsRestart = needsRestart
        self.changes = changes
    }
}
