/// What a ``RetentionPolicy`` decided for a set of backups: which to keep and why, and which to delete.
///
/// Both lists are sorted newest first; together they hold every backup planned for, each once.
public struct RetentionPlan: Sendable, Hashable {
    /// A backup to keep, with every reason that keeps it.
    public struct Kept: Sendable, Hashable {
        /// The backup.
        public var candidate: RetentionCandidate
        /// Why it stays, in rule order: `daily 2026-11-23`, `weekly 2026-W47`, `monthly 2026-11`,
        /// `yearly 2026`, `newest verified`.
        public var reasons: [String]

        /// Creates a kept backup.
        public init(candidate: RetentionCandidate, reasons: [String]) {
            self.candidate = candidate
            self.reasons = reasons
        }
    }

    /// The backups to keep, newest first.
    public var keep: [Kept]
    /// The backups to delete, newest first.
    public var delete: [RetentionCandidate]

    /// Creates a plan.
    public init(keep: [Kept], delete: [RetentionCandidate]) {
        self.keep = keep
        self.delete = delete
    }
}
