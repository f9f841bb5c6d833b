/// A `bulwark bench --plan` file: what to send, at what rate over time, and what counts as a pass.
///
/// ```yaml
/// target: http://127.0.0.1:8080
/// requests:                                     # weighted mix; absent: one GET of the target's path
///   - { weight: 8, method: GET,  path: /api/items }
///   - { weight: 2, method: POST, path: /api/items, body_file: item.json, headers: { Content-Type: application/json } }
/// stages:                                       # run one after another
///   - { duration: 30s, rate: 1000..10000 }      # a linear ramp
///   - { duration: 30m, rate: 5000, name: endurance }
/// thresholds: ["p99 < 50ms", "error_rate < 0.1%", "rate >= 0.95 * target_rate"]
/// watch: { url: http://127.0.0.1:9090, token_env: BULWARK_ADMIN_TOKEN }
/// connections: 64
/// timeout: 5s
/// ```
///
/// Loading checks the syntax of ``target`` only; whether a target may be loaded (loopback unless
/// `--allow-remote`) is decided by `bulwark bench` before anything is sent.
public struct BenchPlan: Sendable, Hashable {
    /// The longest a plan may run: the sum of its stages' durations (24 hours).
    public static let maximumDuration = Duration.seconds(86_400)
    /// The most connections a plan may ask for.
    public static let maximumConnections = 100_000

    /// One kind of request in the mix.
    public struct Request: Sendable, Hashable {
        /// Its share of the mix relative to the other requests' weights (`weight`, default 1).
        public var weight: Int
        /// The HTTP method (`method`, default `GET`), sent as written.
        public var method: String
        /// The path and query sent (`path`), starting with `/`; not joined to the target's path.
        public var path: String
        /// Extra headers (`headers`), in file order.
        public var headers: [Header]
        /// The body (`body` text, or the bytes of `body_file` read at load); nil for none.
        public var body: [UInt8]?

        /// Creates a request.
        public init(weight: Int = 1, method: String = "GET", path: String, headers: [Header] = [], body: [UInt8]? = nil) {
            self.weight = weight
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
        }
    }

    /// One request header.
    public struct Header: Sendable, Hashable {
        /// The header name, as written.
        public var name: String
        /// The header value.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A period of the run with a constant or linearly changing request rate.
    public struct Stage: Sendable, Hashable {
        /// The stage's `name`; nil when it has none (reports call it `stage N`, 1-based).
        public var name: String?
        /// How long the stage lasts (`duration`), above zero.
        public var duration: Duration
        /// The rate at the start of the stage, in requests per second.
        public var rateFrom: Double
        /// The rate at the end of the stage; equal to ``rateFrom`` for `rate: N`.
        public var rateTo: Double

        /// Creates a stage; `rateTo` defaults to `rateFrom` (a constant rate).
        public init(name: String? = nil, duration: Duration, rateFrom: Double, rateTo: Double? = nil) {
            self.name = name
            self.duration = duration
            self.rateFrom = rateFrom
            self.rateTo = rateTo ?? rateFrom
        }
    }

    /// A Bulwark admin API to sample during the run (`watch`).
    public struct Watch: Sendable, Hashable {
        /// The admin API's base URL (`url`), e.g. `http://127.0.0.1:9090`.
        public var url: String
        /// The environment variable holding the admin token (`token_env`); nil when none is needed.
        public var tokenEnvironmentVariable: String?

        /// Creates a watch.
        public init(url: String, tokenEnvironmentVariable: String? = nil) {
            self.url = url
            self.tokenEnvironmentVariable = tokenEnvironmentVariable
        }
    }

    /// The base URL, `http://HOST[:PORT][/PATH]` (`target`).
    public var target: String
    /// The request mix; never empty.
    public var requests: [Request]
    /// The stages, in order; never empty.
    public var stages: [Stage]
    /// The pass/fail goals (`thresholds`).
    public var thresholds: [BenchThreshold]
    /// The admin API to sample, if any.
    public var watch: Watch?
    /// The connection pool size (`connections`, 1–100000); nil lets `bulwark bench` choose.
    public var connections: Int?
    /// How long one request may take before it counts as a timeout (`timeout`); nil for the default.
    public var timeout: Duration?

    /// Creates a plan.
    public init(
        target: String, requests: [Request], stages: [Stage], thresholds: [BenchThreshold] = [], watch: Watch? = nil,
        connections: Int? = nil, timeout: Duration? = nil
    ) {
        self.target = target
        self.requests = requests
        self.stages = stages
        self.thresholds = thresholds
        self.watch = watch
        self.connections = connections
        self.timeout = timeout
    }

    /// The sum of the stages' durations.
    public var totalDuration: Duration { stages.reduce(.zero) { $0 + $1.duration } }

    /// The name reports give the stage at `index` (0-based): its `name`, or `stage N` (1-based).
    public func stageName(at index: Int) -> String {
        stages[index].name ?? "stage \(index + 1)"
    }
}
