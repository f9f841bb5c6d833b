import Foundation

/// A backup that a ``RetentionPolicy`` may keep or delete.
public struct RetentionCandidate: Sendable, Hashable {
    /// Identifies the backup, e.g. its object key.
    public var id: String
    /// When the backup was taken.
    public var createdAt: Date
    /// Whether a restore test proved the backup good. The newest verified backup is always kept.
    public var verified: Bool

    /// Creates a candidate.
    public init(id: String, createdAt: Date, verified: Bool) {
        self.id = id
        self.createdAt = createdAt
        self.verified = verified
    }
}
