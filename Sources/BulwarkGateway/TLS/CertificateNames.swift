/// Host-name matching for certificates (RFC 6125 §6.4): exact names, case-insensitive, and a wildcard
/// `*.example.com` that stands for exactly one leftmost label.
enum CertificateNames {
    /// Whether `pattern` (a name from a certificate or from `hosts:`) covers `host`.
    static func matches(_ pattern: String, host: String) -> Bool {
        let pattern = pattern.lowercased(), host = Self.normalized(host)
        if pattern == host { return true }
        guard pattern.hasPrefix("*.") else { return false }
        guard let dot = host.firstIndex(of: "."), host.startIndex != dot else { return false }
        return host[dot...] == pattern.dropFirst()
    }

    /// Whether `host` is covered by any of `patterns`.
    static func matches(any patterns: [String], host: String) -> Bool {
        patterns.contains { matches($0, host: host) }
    }

    /// Lowercased, without a trailing dot.
    static func normalized(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}
