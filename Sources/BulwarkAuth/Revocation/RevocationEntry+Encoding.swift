extension RevocationEntry {
    /// The entry as one line of text, the value of its Redis key and of its invalidation-bus message:
    /// `t|<exp>|<id>` (`exp` empty when unknown) or `s|<before>|<n>|<issuer><subject>` where `n` is the
    /// issuer's length in UTF-8 bytes. Any issuer, subject or id round-trips, `|` and line breaks included.
    public var encoded: String {
        switch self {
        case .token(let id, let expiresAt):
            return "t|" + (expiresAt.map { String($0) } ?? "") + "|" + id
        case .subject(let issuer, let subject, let before):
            return "s|\(before)|\(issuer.utf8.count)|" + issuer + subject
        }
    }

    /// Reads text written by ``encoded``; nil for anything else.
    public init?(encoded text: String) {
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        switch parts[0] {
        case "t":
            guard !parts[2].isEmpty else { return nil }
            if parts[1].isEmpty {
                self = .token(id: String(parts[2]), expiresAt: nil)
            } else {
                guard let expiresAt = Double(parts[1]), abs(expiresAt) < RevocationEntry.largestTime else { return nil }
                self = .token(id: String(parts[2]), expiresAt: expiresAt)
            }
        case "s":
            guard let before = Double(parts[1]), abs(before) < RevocationEntry.largestTime else { return nil }
            let rest = parts[2].split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            guard rest.count == 2, let length = Int(rest[0]), length >= 0 else { return nil }
            let bytes = Array(rest[1].utf8)
            guard length <= bytes.count else { return nil }
            let issuer = String(decoding: bytes[..<length], as: UTF8.self)
            let subject = String(decoding: bytes[length...], as: UTF8.self)
            // A length that cuts a character in two is not ours.
            guard issuer.utf8.count == length, subject.utf8.count == bytes.count - length else { return nil }
            self = .subject(issuer: issuer, subject: subject, before: before)
        default:
            return nil
        }
    }
}
