import BulwarkConfig
import Resilience

/// One process group as `/api/processes` and the dashboard show it.
public struct ProcessGroupStatus: Sendable, Hashable {
    /// `processes.NAME`.
    public var name: String
    /// How many instances should run.
    public var instances: Int
    /// Every slot's current (or last) instance, and replacements being started.
    public var members: [Member]
    /// Slots given up after a crash loop.
    public var givenUpSlots: [Int]
    /// Memory restarts within the last 10 minutes.
    public var recentMemoryRestarts: Int

    /// Creates a status.
    public init(name: String, instances: Int, members: [Member], givenUpSlots: [Int] = [], recentMemoryRestarts: Int = 0) {
        self.name = name
        self.instances = instances
        self.members = members
        self.givenUpSlots = givenUpSlots
        self.recentMemoryRestarts = recentMemoryRestarts
    }

    /// One instance.
    public struct Member: Sendable, Hashable {
        /// What the machine knows: id, port, pid, state, times, restarts, last exit.
        public var instance: InstanceSnapshot
        /// Resident memory of its process tree at the last sample, in bytes.
        public var residentBytes: Int
        /// CPU time of its process tree at the last sample, in seconds.
        public var cpuSeconds: Double
        /// Seconds since it started, when running.
        public var uptimeSeconds: Double?

        /// Creates a member.
        public init(instance: InstanceSnapshot, residentBytes: Int = 0, cpuSeconds: Double = 0, uptimeSeconds: Double? = nil) {
            self.instance = instance
            self.residentBytes = residentBytes
            self.cpuSeconds = cpuSeconds
            self.uptimeSeconds = uptimeSeconds
        }
    }
}

extension ProcessSupervisor {
    /// Every group now, in configuration order.
    public func status() -> [ProcessGroupStatus] {
        let now = clock.now()
        return state.withLock { state in
            state.order.compactMap { name in
                guard let runtime = state.groups[name] else { return nil }
                let members = runtime.machine.instances.map { instance in
                    let child = runtime.children[instance.id]
                    return ProcessGroupStatus.Member(
                        instance: instance, residentBytes: child?.residentBytes ?? 0, cpuSeconds: child?.cpuSeconds ?? 0,
                        uptimeSeconds: instance.startedAt.map { (now - $0).secondsDouble }
                    )
                }
                return ProcessGroupStatus(
                    name: name, instances: runtime.machine.settings.instances, members: members,
                    givenUpSlots: runtime.machine.givenUpSlots,
                    recentMemoryRestarts: runtime.memoryRestarts.filter { now - $0 < .seconds(600) }.count
                )
            }
        }
    }
}
