extension ProcessGroupMachine {
    /// One slot of the group (0 ‥ instances − 1): the instance serving it, the replacement under way,
    /// when it starts again after a crash, and its restart history.
    ///
    /// With the group running, a slot is in exactly one of these conditions:
    /// - it has a `primary` (starting, running or ready), perhaps with a `replacement` planned or under way;
    /// - it has no primary and waits for `startAt` (a restart, or a first start waiting for a free port);
    /// - it is `givenUp` after a crash loop (it may keep a serving primary when only its replacement
    ///   crash-looped).
    struct Slot: Sendable, Hashable {
        let index: Int
        /// The instance that serves the slot, or will once ready.
        var primary: InstanceRecord?
        /// A new instance for the slot (rolling or memory restart), started on the slot's other port.
        var replacement: Replacement?
        /// With no primary: start one at this time, on `startPort` when it is free.
        var startAt: Duration?
        /// The port the next start prefers: the crashed instance's port. While a process killed for
        /// its ready timeout still holds it, the start takes the slot's other port if that one is free.
        var startPort: Int
        /// Too many restarts within `restart.window`: nothing starts for the slot until a restart
        /// request or a reconfiguration revives it.
        var givenUp = false
        /// When the slot's failures happened, within the last `restart.window`.
        var restartTimes: [Duration] = []
        /// Failures since the slot last had an instance become ready: drives the backoff.
        var consecutiveFailures = 0
        /// Restarts since the group started (for `/api/processes`).
        var restarts = 0
        var lastID: InstanceID?
        var lastExit: ExitStatus?
        var lastReason: String?

        init(index: Int, startAt: Duration, startPort: Int) {
            self.index = index
            self.startAt = startAt
            self.startPort = startPort
        }

        /// Back to a fresh start: not given up, no failures counted.
        mutating func revive() {
            givenUp = false
            restartTimes = []
            consecutiveFailures = 0
        }

        /// The slot's processes that are not stopping.
        var activeInstances: [InstanceRecord] {
            [primary, replacement?.instance].compactMap { $0 }
        }
    }

    /// A new instance wanted for a slot whose primary keeps serving until it is ready.
    struct Replacement: Sendable, Hashable {
        /// Why the slot is being replaced.
        enum Purpose: Sendable, Hashable {
            case rolling
            case memory
        }

        var purpose: Purpose
        /// Not started before this time (a retry after a failed replacement waits for the backoff).
        var notBefore: Duration
        /// The replacement once spawned; nil while it waits for `notBefore` or a free port.
        var instance: InstanceRecord?
    }

    /// A rolling restart: slots are replaced one at a time, in order.
    struct Rollout: Sendable, Hashable {
        var reason: RestartReason
        /// Slots still to replace, in order.
        var queue: [Int]
        /// The slot being replaced now.
        var current: Int?
    }
}
