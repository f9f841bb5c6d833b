extension AuditEntry {
    /// The fields a `completed` record brings to its request's entry (and to its database row): each
    /// one it carries replaces the request's.
    static var completionFields: [WritableKeyPath<AuditEntry, String?>] { [\.requestBodySHA256, \.responseBodySHA256, \.outcome, \.target, \.requestBody] }

    /// This request entry with `completed`'s fields filled in: the request body digest, duration,
    /// response body digest, bytes and outcome, and the final status, target and captured body when the
    /// completion has them (the status an admin action answered; a retry's target; a body that was
    /// still arriving when the head came).
    func completed(by completed: AuditEntry) -> AuditEntry {
        var merged = self
        for field in Self.completionFields where completed[keyPath: field] != nil {
            merged[keyPath: field] = completed[keyPath: field]
        }
        if let duration = completed.durationMilliseconds { merged.durationMilliseconds = duration }
        if let bytes = completed.responseBytes { merged.responseBytes = bytes }
        if let status = completed.status { merged.status = status }
        return merged
    }
}
