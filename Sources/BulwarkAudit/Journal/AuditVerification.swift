/// What ``AuditVerifier/verify(directory:from:externalAnchor:)`` found.
public struct AuditVerification: Sendable, Equatable {
    /// Intact records checked.
    public var recordsChecked: Int
    /// The first and last intact records checked.
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    /// The last intact record's hash, hexadecimal.
    public var head: String?
    /// Every problem, in journal order, anchor problems last.
    public var problems: [AuditVerificationProblem]

    /// A verification with the given findings.
    public init(recordsChecked: Int, firstSequence: UInt64?, lastSequence: UInt64?, head: String?, problems: [AuditVerificationProblem]) {
        self.recordsChecked = recordsChecked
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.head = head
        self.problems = problems
    }

    /// Whether no problem was found.
    public var isIntact: Bool { problems.isEmpty }
}

/// One thing wrong with a journal, and where.
public struct AuditVerificationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where: segment, offset and (when known) the record's sequence.
    public var position: AuditRecordPosition
    /// What, e.g. `CRC mismatch`, or `expected record 17, found record 18`.
    public var description: String

    /// A problem at `position` saying `description`.
    public init(position: AuditRecordPosition, description: String) {
        self.position = position
        self.description = description
    }
}
