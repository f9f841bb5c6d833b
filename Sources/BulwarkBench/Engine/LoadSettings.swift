import NIOCore

/// What one run does: the target, the mix, the load model, the pool and the timeout.
public struct LoadSettings: Sendable {
    /// How load is generated.
    public enum Model: Sendable, Equatable {
        /// Every connection sends again as soon as it is answered, for `duration` seconds.
        case closed(duration: Double)
        /// Sends follow a schedule of rates; latency counts from each send's intended time.
        case open(RateSchedule)

        var stageCount: Int {
            switch self {
            case .closed: 1
            case .open(let schedule): schedule.stages.count
            }
        }

        /// The length of the run in seconds.
        public var duration: Double {
            switch self {
            case .closed(let duration): duration
            case .open(let schedule): schedule.duration
            }
        }
    }

    /// Where to send (already checked by ``TargetAddressCheck``).
    public var target: BenchTarget
    /// The request kinds, by weight.
    public var requests: [LoadRequest]
    /// The load model.
    public var model: Model
    /// Stage names for the report (`stage N` when a stage has none).
    public var stageNames: [String]
    /// Connections opened before the first send. Default 64.
    public var connections: Int
    /// Open model: the pool may grow up to this many while sends wait for a free connection. Equal to
    /// ``connections`` for a fixed pool (the default when `-c` is given). Default 64.
    public var maximumConnections: Int
    /// A request without a complete answer after this long counts as a `timeout` error. Default 10 s.
    public var timeout: Duration
    /// Event loops (threads) generating load. Default: one per core, and never more than ``connections``.
    public var eventLoops: Int

    /// Creates settings.
    public init(
        target: BenchTarget, requests: [LoadRequest], model: Model, stageNames: [String] = [], connections: Int = 64,
        maximumConnections: Int? = nil, timeout: Duration = .seconds(10), eventLoops: Int = System.coreCount
    ) {
        self.target = target
        self.requests = requests
        self.model = model
        self.stageNames = (0..<model.stageCount).map { $0 < stageNames.count ? stageNames[$0] : "stage \($0 + 1)" }
        self.connections = max(1, connections)
        self.maximumConnections = max(self.connections, maximumConnections ?? self.connections)
        self.timeout = timeout
        // Every loop needs a connection of its own from the start: it sends its share of the schedule.
        self.eventLoops = max(1, min(eventLoops, self.connections))
    }
}
