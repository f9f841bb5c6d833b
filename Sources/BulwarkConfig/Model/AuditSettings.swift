/// The `audit:` section: a durable, tamper-evident record of every audited request and admin action.
///
/// ```yaml
/// audit:
///   journal: /var/lib/bulwark/audit      # the journal alone is a complete, queryable store
///   database_url: ${AUDIT_DATABASE_URL}  # optional PostgreSQL sink the journal is shipped to
///   durability: sync                     # sync | async
///   routes: { methods: [POST, PUT, PATCH, DELETE], names: [orders] }   # names: optional
///   actor: { response_header: X-Audit-Actor }   # or { claim: sub }
///   capture_body: 0                      # bytes of request body kept; 0 keeps only its SHA-256
///   redact: [password, token, secret]    # JSON fields masked in captured bodies
///   retention: 400d
///   on_failure: reject                   # reject | pass
/// ```
///
/// Admin API actions are always audited when the section is present. The whole section is read at
/// start; a reload that changes it is refused (restart to change it).
public struct AuditSettings: Sendable, Hashable {
    /// When a response may be released.
    public enum Durability: String, Sendable, Hashable, CaseIterable {
        /// An audited response head is released only once its `request` record is on disk (fsynced).
        case sync
        /// Records are written at once and fsynced within ``Defaults/asyncFlushInterval``; responses
        /// are never held.
        case async
    }

    /// What an audited request gets when its record cannot be written (disk full, journal unwritable).
    public enum FailureMode: String, Sendable, Hashable, CaseIterable {
        /// 503: the response is not released unrecorded.
        case reject
        /// The response passes; the alert `audit_unavailable` still fires.
        case pass
    }

    /// Where the actor of a request comes from.
    public enum ActorSource: Sendable, Hashable {
        /// A response header the app sets (removed before the client sees it, and from every client
        /// request before it goes upstream).
        case responseHeader(String)
        /// A claim of the verified bearer token (`auth:`).
        case claim(String)
    }

    /// The defaults of `audit:`.
    public enum Defaults {
        /// `journal`: `/var/lib/bulwark/audit`.
        public static let journal = "/var/lib/bulwark/audit"
        /// `durability`: sync.
        public static let durability = Durability.sync
        /// `routes.methods`: the methods that change something.
        public static let methods: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]
        /// `capture_body`: 0 (only the body's SHA-256 is kept).
        public static let captureBodyBytes = 0
        /// The largest `capture_body`: 64 KiB.
        public static let maximumCaptureBodyBytes = 64 * 1024
        /// `redact`: password, token, secret.
        public static let redact = ["password", "token", "secret"]
        /// `retention`: 400 days.
        public static let retention: Duration = .seconds(400 * 86_400)
        /// `on_failure`: reject.
        public static let onFailure = FailureMode.reject
        /// `segment_size`: a journal segment is closed past 64 MiB.
        public static let segmentBytes = 64 * 1024 * 1024
        /// In `async` mode, how long a written record may wait for its fsync: 100 ms.
        public static let asyncFlushInterval: Duration = .milliseconds(100)
        /// `ship_interval`: how often the shipper looks for new records when idle: 1 s.
        public static let shipInterval: Duration = .seconds(1)
        /// `ship_batch`: records per database transaction: 1,000.
        public static let shipBatch = 1_000
    }

    /// `journal`: the journal's directory (created 0700; files 0600).
    public var journal: String = Defaults.journal
    /// `database_url`: the PostgreSQL sink (`postgres://user:pass@host:port/db`); nil keeps the journal only.
    public var databaseURL: String?
    /// `durability`. Defaults to ``Defaults/durability``.
    public var durability: Durability = Defaults.durability
    /// `routes.methods`: the audited methods (upper case). Defaults to ``Defaults/methods``.
    public var methods: Set<String> = Defaults.methods
    /// `routes.names`: when set, only these routes (`routes[].name`) are audited.
    public var routeNames: Set<String>?
    /// `actor`: where a request's actor comes from; nil records none.
    public var actor: ActorSource?
    /// `capture_body`: request body bytes kept (at most ``Defaults/maximumCaptureBodyBytes``).
    public var captureBodyBytes: Int = Defaults.captureBodyBytes
    /// `redact`: JSON field names (any depth, case-insensitive) masked in a captured body.
    public var redact: [String] = Defaults.redact
    /// `retention`: shipped segments and database partitions older than this are removed.
    public var retention: Duration = Defaults.retention
    /// `on_failure`. Defaults to ``Defaults/onFailure``.
    public var onFailure: FailureMode = Defaults.onFailure
    /// `segment_size`. Defaults to ``Defaults/segmentBytes``.
    public var segmentBytes: Int = Defaults.segmentBytes
    /// `ship_interval`. Defaults to ``Defaults/shipInterval``.
    public var shipInterval: Duration = Defaults.shipInterval
    /// `ship_batch`. Defaults to ``Defaults/shipBatch``.
    public var shipBatch: Int = Defaults.shipBatch

    /// Settings with every default.
    public init() {}

    /// Whether a request with `method` on the route named `route` is audited.
    public func audits(method: String, route: String?) -> Bool {
        guard methods.contains(method) else { return false }
        guard let routeNames else { return true }
        return route.map(routeNames.contains) ?? false
    }
}
