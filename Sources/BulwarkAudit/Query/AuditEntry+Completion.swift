extension AuditEntry {
    /// The fields a `completed` record brings to its request's entry (and to its database row): each
    /// one it carries replaces the request's.
    static var completionFields: [WritableKeyPath<AuditEntry, String?>] { [\.requestBodySHA256, \.responseBodySHA256, \.outcome] }

    /// This request entry with `completed`'s fields filled in: the request body digest, duration,
    /// response body digest, bytes and outcome.
    func completed(by completed: AuditEntry) -> AuditEntry {
        var merged = self
        for field in Self.completionFields where completed[keyPath: field] != nil {
            merged[keyPath: field] = completed[keyPath: field]
        }
        if let duration = completed.durationMilliseconds { merged.durationMilliseconds = duration }
        if let bytes = completed.responseBytes { merged.responseBytes = bytes }
        return merged
    }
}
