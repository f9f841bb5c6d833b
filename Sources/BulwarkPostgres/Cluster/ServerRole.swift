/// What a server is, as its last successful check found: `primary` (`pg_is_in_recovery()` false),
/// `replica` (true), or `unknown` (never checked successfully, or down now).
public enum ServerRole: String, Sendable, Hashable, Codable {
    /// Accepts writes.
    case primary
    /// A standby in recovery: read-only.
    case replica
    /// Not known: before the first successful check, or since a failed one.
    case unknown
}
