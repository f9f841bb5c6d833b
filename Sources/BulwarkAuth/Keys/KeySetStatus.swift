/// One issuer's key set as the admin API and the stale-key alert see it. Never holds key material or the
/// secret.
public struct KeySetStatus: Sendable, Hashable {
    /// The issuer (`iss`).
    public var issuer: String
    /// Where the keys come from: file, URL or secret.
    public var source: KeySourceKind
    /// The file's path or the URL (without user information); nil for a secret.
    public var location: String?
    /// How many keys the current set holds (0 before the first load).
    public var keyCount: Int
    /// The `kid`s of the current set.
    public var keyIDs: [String]
    /// When the set was last loaded, in seconds since 1970; nil before the first load.
    public var lastRefresh: Double?
    /// Why the last attempt to load the set failed; nil when it succeeded.
    public var lastError: String?
    /// Whether the set cannot be trusted to be current: a URL never fetched or last fetched more than
    /// 2 × its refresh interval ago, or a file whose latest version could not be read.
    public var stale: Bool

    /// A status.
    public init(
        issuer: String, source: KeySourceKind, location: String?, keyCount: Int, keyIDs: [String],
        lastRefresh: Double?, lastError: String?, stale: Bool
    ) {
        self.issuer = issuer
        self.source = source
        self.location = location
        self.keyCount = keyCount
        self.keyIDs = keyIDs
        self.lastRefresh = lastRefresh
        self.lastError = lastError
        self.stale = stale
    }
}
