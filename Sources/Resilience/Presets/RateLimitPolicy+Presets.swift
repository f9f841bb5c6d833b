/// Rate-limit classes from field practice, also available by name (``named(_:)``) for configuration files.
///
/// | name | limit |
/// | --- | --- |
/// | `global` | 100 per 15 min |
/// | `auth` | 5 per 15 min |
/// | `write` | 30 per min |
/// | `upload` | 10 per hour |
/// | `report` | 20 per hour |
extension RateLimitPolicy {
    /// General API traffic: 100 requests per 15 minutes.
    public static let global = RateLimitPolicy(name: "global", limit: 100, per: .seconds(15 * 60))
    /// Log-in and other credential checks: 5 per 15 minutes.
    public static let auth = RateLimitPolicy(name: "auth", limit: 5, per: .seconds(15 * 60))
    /// Writes: 30 per minute.
    public static let write = RateLimitPolicy(name: "write", limit: 30, per: .seconds(60))
    /// Uploads: 10 per hour.
    public static let upload = RateLimitPolicy(name: "upload", limit: 10, per: .seconds(3600))
    /// Expensive reports: 20 per hour.
    public static let report = RateLimitPolicy(name: "report", limit: 20, per: .seconds(3600))

    /// Every preset, by name.
    public static let presets: [String: RateLimitPolicy] = Dictionary(
        uniqueKeysWithValues: [global, auth, write, upload, report].map { ($0.name, $0) }
    )

    /// The preset called `name`, or `nil`.
    public static func named(_ name: String) -> RateLimitPolicy? { presets[name] }
}
