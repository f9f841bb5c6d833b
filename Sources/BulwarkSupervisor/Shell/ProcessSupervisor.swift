import BulwarkConfig
import Foundation
import CoreMetrics
import Logging
import Resilience
import ServiceLifecycle
import Synchronization

/// The shell around the ``ProcessGroupMachine``s of `processes:`: it feeds them events (spawned,
/// ready, exited, memory samples, ticks) with the time, one at a time, and does what they decide —
/// start processes, watch their readiness and output, add and remove gateway targets, drain and
/// signal. A swift-service-lifecycle `Service`: at graceful shutdown every instance leaves the pool
/// and is stopped before `run()` returns.
public final class ProcessSupervisor: Service, Sendable {
    let pool: any TargetPool
    let clock: PolicyClock
    let logger: Logger
    let output: InstanceOutputLog
    let telemetry: SupervisorTelemetry
    let state: Mutex<State>
    private let events: AsyncStream<(group: String, event: ProcessGroupMachine.Event)>
    private let continuation: AsyncStream<(group: String, event: ProcessGroupMachine.Event)>.Continuation

    struct State {
        var groups: [String: GroupRuntime] = [:]
        var order: [String] = []
        var stopping = false
        /// Groups a reload removed: they are stopping and go away once stopped.
        var removed: Set<String> = []
        /// Groups a reload added back while they were still stopping: started afresh once stopped.
        var readded: [String: ProcessGroupSettings] = [:]
    }

    /// One group's machine and what the shell holds for its live instances.
    struct GroupRuntime {
        var machine: ProcessGroupMachine
        var children: [InstanceID: ChildRuntime] = [:]
        /// Each slot's log file, with the `logs` settings it was opened with.
        var logFiles: [Int: (settings: String, file: RotatingLogFile)] = [:]
        /// When memory restarts happened (the last 20).
        var memoryRestarts: [Duration] = []
    }

    /// A live process.
    struct ChildRuntime {
        var pid: Int32
        var port: Int
        var readiness: Task<Void, Never>?
        var residentBytes = 0
        var cpuSeconds = 0.0
    }

    /// A supervisor for `groups`; ready instances join `pool`.
    /// - Parameters:
    ///   - output: where instances' output lines go as JSON lines (default standard output).
    ///   - clock: every delay and timestamp comes from it.
    public init(
        groups: [ProcessGroupSettings], pool: any TargetPool, logger: Logger,
        output: InstanceOutputLog = InstanceOutputLog(), metricsFactory: (any MetricsFactory)? = nil,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.pool = pool
        self.logger = logger
        self.output = output
        self.clock = PolicyClock(clock)
        self.telemetry = SupervisorTelemetry(factory: metricsFactory, logger: logger)
        (events, continuation) = AsyncStream.makeStream()
        var initial = State()
        for settings in groups {
            initial.groups[settings.name] = GroupRuntime(machine: ProcessGroupMachine(settings: settings))
            initial.order.append(settings.name)
        }
        state = Mutex(initial)
    }

    /// Starts every group and supervises until graceful shutdown; then stops every instance (each
    /// leaves the pool first, drains, gets `stop.signal`, and `SIGKILL` after `stop.timeout`) and
    /// returns once they are gone. Cancellation instead kills every instance's process group at once.
    public func run() async throws {
        for name in state.withLock({ $0.order }) { send(name, .start) }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await self.processEvents() }
            tasks.addTask { await self.tickWhenDue() }
            tasks.addTask { await self.sampleResources() }
            await (try? gracefulShutdown())
            if Task.isCancelled {
                // Cancelled rather than shut down: nothing can wait any more, so end every instance now.
                killAll()
            } else {
                beginStop()
                await waitUntilStopped()
            }
            continuation.finish()
            tasks.cancelAll()
        }
    }

    /// Replaces every instance of `group`, one at a time; false when there is no such group.
    @discardableResult
    public func restart(group: String) -> Bool {
        guard state.withLock({ $0.groups[group] != nil && !$0.stopping && !$0.removed.contains(group) }) else { return false }
        send(group, .restartRequested(.requested))
        return true
    }

    /// Applies a reloaded `processes:` section: changed groups are told (the machine rolls them when
    /// their command or environment changed), new groups start, removed ones stop.
    public func reconfigure(_ groups: [ProcessGroupSettings]) {
        var started: [String] = []
        var changed: [ProcessGroupSettings] = []
        var removed: [String] = []
        state.withLock { state in
            guard !state.stopping else { return }
            for settings in groups {
                if state.removed.contains(settings.name) {
                    state.readded[settings.name] = settings
                } else if let runtime = state.groups[settings.name] {
                    if runtime.machine.settings != settings { changed.append(settings) }
                } else {
                    state.groups[settings.name] = GroupRuntime(machine: ProcessGroupMachine(settings: settings))
                    state.order.append(settings.name)
                    started.append(settings.name)
                }
            }
            removed = state.order.filter { name in !groups.contains { $0.name == name } && !state.removed.contains(name) }
            for name in state.order where !groups.contains(where: { $0.name == name }) { state.readded[name] = nil }
            state.removed.formUnion(removed)
        }
        for settings in changed { send(settings.name, .reconfigured(settings)) }
        for name in started { send(name, .start) }
        for name in removed { send(name, .stopRequested) }
    }

    func send(_ group: String, _ event: ProcessGroupMachine.Event) {
        continuation.yield((group, event))
    }

    private func beginStop() {
        let names = state.withLock { state -> [String] in
            guard !state.stopping else { return [] }
            state.stopping = true
            return state.order
        }
        for name in names { send(name, .stopRequested) }
    }

    /// Forgets a group a reload removed once all its instances are gone, or starts it afresh when a
    /// later reload added it back meanwhile.
    private func retireIfRemoved(_ group: String) {
        let restart: Bool = state.withLock { state in
            guard state.removed.contains(group), state.groups[group]?.machine.isStopped == true else { return false }
            state.removed.remove(group)
            if let settings = state.readded.removeValue(forKey: group), !state.stopping {
                state.groups[group] = GroupRuntime(machine: ProcessGroupMachine(settings: settings))
                return true
            }
            state.groups[group] = nil
            state.order.removeAll { $0 == group }
            return false
        }
        if restart { send(group, .start) }
    }

    private func killAll() {
        let pids = state.withLock { state in state.groups.values.flatMap { $0.children.values.map(\.pid) } }
        for pid in pids { _ = ChildProcess.signalGroup(pid, SIGKILL) }
    }

    private func waitUntilStopped() async {
        while !state.withLock({ $0.groups.values.allSatisfy(\.machine.isStopped) }) {
            try? await clock.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Loops

    private func processEvents() async {
        for await (group, event) in events {
            let now = clock.now()
            let actions: [ProcessGroupMachine.Action] = state.withLock { state in
                guard var runtime = state.groups[group] else { return [] }
                let actions = runtime.machine.handle(event, now: now)
                for case .report(.memoryRestart) in actions { runtime.memoryRestarts = runtime.memoryRestarts.suffix(20) + [now] }
                state.groups[group] = runtime
                return actions
            }
            for action in actions { perform(action, group: group) }
            retireIfRemoved(group)
        }
    }

    /// Sends `.tick` to every group whose requested wake-up is due, checking every 50 ms (a tick the
    /// machine did not need does nothing).
    private func tickWhenDue() async {
        while !Task.isCancelled {
            let now = clock.now()
            let due = state.withLock { state in
                state.groups.filter { $0.value.machine.requestedWake.map { $0 <= now } ?? false }.map(\.key)
            }
            for name in due { send(name, .tick) }
            try? await clock.sleep(for: .milliseconds(50))
        }
    }

    /// Samples every live process tree's memory and CPU every 2 s.
    private func sampleResources() async {
        while !Task.isCancelled {
            let live = state.withLock { state in
                state.groups.flatMap { name, runtime in runtime.children.map { (name, $0.key, $0.value.pid) } }
            }
            let samples = ProcessTreeSample.read(processGroups: Set(live.map(\.2)))
            for (group, id, pid) in live {
                guard let sample = samples[pid] else { continue }
                state.withLock { state in
                    state.groups[group]?.children[id]?.residentBytes = sample.residentBytes
                    state.groups[group]?.children[id]?.cpuSeconds = sample.cpuSeconds
                }
                telemetry.residentMemory(group: group, slot: id.slot, bytes: sample.residentBytes)
                send(group, .memorySampled(id, bytes: sample.residentBytes))
            }
            try? await clock.sleep(for: .seconds(2))
        }
    }
}
