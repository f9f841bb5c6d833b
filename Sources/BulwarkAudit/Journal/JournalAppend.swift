/// One append waiting for the writer thread.
struct JournalAppend: Sendable {
    /// What to record.
    let entry: AuditEntry
    /// Whether its callback waits for the `fsync` (else for the write).
    let waitForDisk: Bool
    /// Called once, on the writer thread, with the record's sequence or why it was not written.
    let completion: (@Sendable (Result<UInt64, AuditUnavailable>) -> Void)?
}
