/// One entry of the `processes:` section: an app's instances that `bulwark run` starts, watches and
/// restarts. Their ports become the targets of the upstream with the same name.
///
/// ```yaml
/// processes:
///   app:
///     command: ["node", "dist/index.js"]
///     instances: 3
///     port_base: 3001
///     env: { NODE_ENV: production }
///     ready: { http: /health, timeout: 30s }
///     restart: { backoff: 1s..60s, max_restarts: 10, window: 10m }
///     max_memory: 1GiB
///     stop: { signal: SIGTERM, timeout: 30s }
///     logs: { dir: /var/log/bulwark/app, max_size: 50MiB, keep: 5 }
/// ```
public struct ProcessGroupSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `instances`
        public static let instances = 1
        /// `ready.timeout`
        public static let readyTimeout: Duration = .seconds(30)
        /// `restart.backoff` lower bound
        public static let backoffMinimum: Duration = .seconds(1)
        /// `restart.backoff` upper bound
        public static let backoffMaximum: Duration = .seconds(60)
        /// `restart.max_restarts`
        public static let maxRestarts = 10
        /// `restart.window`
        public static let restartWindow: Duration = .seconds(600)
        /// How long the memory must stay over `max_memory` before a restart.
        public static let memoryGrace: Duration = .seconds(30)
        /// `stop.timeout`
        public static let stopTimeout: Duration = .seconds(30)
        /// `logs.max_size`
        public static let logMaxBytes = 50 * 1024 * 1024
        /// `logs.keep`
        public static let logKeep = 5
    }

    /// How an instance shows it is ready for traffic.
    public enum Readiness: Sendable, Hashable {
        /// `{ http: /health }`: `GET path` on the instance's port answers 2xx.
        case http(path: String)
        /// `{ tcp: true }`: the instance's port accepts a connection.
        case tcp
        /// `{ log: "listening on" }`: a line of its output matches this regular expression.
        case log(pattern: String)
    }

    /// The name (`processes.NAME`), also the upstream its instances serve.
    public var name: String
    /// `command`: the executable and its arguments (no shell). Required, non-empty.
    public var command: [String]
    /// `instances`: how many run at once. Default 1.
    public var instances = Defaults.instances
    /// `port_base`: instance *i* listens on `port_base + i` (its `PORT`); ports up to
    /// `port_base + 2 × instances − 1` are used, the upper half for replacements during rolling restarts.
    public var portBase: Int
    /// `env`: variables added to the supervisor's environment (`PORT` is always set per instance).
    public var environment: [String: String] = [:]
    /// `cwd`: the working directory. Default none: the supervisor's.
    public var workingDirectory: String?
    /// `ready`: how readiness is seen. Default `{ tcp: true }`.
    public var readiness: Readiness = .tcp
    /// `ready.timeout`: an instance not ready within it is stopped and counts as a failed start. Default 30s.
    public var readyTimeout: Duration = Defaults.readyTimeout
    /// `restart.backoff` (`1s..60s`): the delay before restart *n* doubles from the lower bound up to the upper one.
    public var backoffMinimum: Duration = Defaults.backoffMinimum
    /// Upper bound of `restart.backoff`.
    public var backoffMaximum: Duration = Defaults.backoffMaximum
    /// `restart.max_restarts`: more restarts than this within `restart.window` is a crash loop: the
    /// slot is given up and `process_crash_loop` (critical) opens. Default 10.
    public var maxRestarts = Defaults.maxRestarts
    /// `restart.window`. Default 10m.
    public var restartWindow: Duration = Defaults.restartWindow
    /// `max_memory`: the RSS of an instance's process tree above this for 30 s restarts it gracefully.
    /// Default none.
    public var maxMemory: Int?
    /// `memory_grace`: how long the RSS must stay above `max_memory` before the restart. Default 30s.
    public var memoryGrace: Duration = Defaults.memoryGrace
    /// `stop.signal`: sent to the instance's process group to stop it. Default `SIGTERM`.
    public var stopSignal: StopSignal = .term
    /// `stop.timeout`: after it, `SIGKILL`. Default 30s.
    public var stopTimeout: Duration = Defaults.stopTimeout
    /// `logs.dir`: where `NAME.SLOT.log` files are written. Default none: output goes only to the
    /// supervisor's log.
    public var logDirectory: String?
    /// `logs.max_size`: a log file is rotated at this size. Default 50MiB.
    public var logMaxBytes = Defaults.logMaxBytes
    /// `logs.keep`: rotated files kept per instance. Default 5.
    public var logKeep = Defaults.logKeep

    /// A group with the defaults.
    public init(name: String, command: [String], portBase: Int) {
        self.name = name
        self.command = command
        self.portBase = portBase
    }

    /// The ports the group may use: `port_base … port_base + 2 × instances − 1`.
    public var ports: ClosedRange<Int> { portBase...(portBase + 2 * instances - 1) }

    /// The signals `stop.signal` may name.
    public enum StopSignal: String, Sendable, Hashable, CaseIterable {
        /// `SIGTERM`
        case term = "SIGTERM"
        /// `SIGINT`
        case int = "SIGINT"
        /// `SIGQUIT`
        case quit = "SIGQUIT"
        /// `SIGHUP`
        case hup = "SIGHUP"
        /// `SIGUSR1`
        case usr1 = "SIGUSR1"
        /// `SIGUSR2`
        case usr2 = "SIGUSR2"

        /// The signal number on Linux.
        public var number: Int32 {
            switch self {
            case .term: 15
            case .int: 2
            case .quit: 3
            case .hup: 1
            case .usr1: 10
            case .usr2: 12
            }
        }
    }
}
