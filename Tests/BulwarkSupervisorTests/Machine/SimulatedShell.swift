import BulwarkConfig
import BulwarkSupervisor

/// A shell that does what a ``ProcessGroupMachine`` asks, tells it facts (chosen by the test), and
/// records every broken invariant.
struct SimulatedShell {
    /// A process the machine asked for that has not exited.
    struct Process {
        let id: InstanceID
        let port: Int
        var pid: Int32?
        var watched = false
        var readyReported = false
        var stopSent = false
        var killed = false
    }

    var machine: ProcessGroupMachine
    /// The settings last given to the machine.
    var settings: ProcessGroupSettings
    var now: Duration = .zero
    /// Live processes: spawned (or being spawned) and not exited.
    var processes: [InstanceID: Process] = [:]
    /// The upstream's targets: port → the instance added for it.
    var targets: [Int: InstanceID] = [:]
    /// The latest wake-up asked for.
    var wake: Duration?
    var stopRequested = false
    var nextPid: Int32 = 1_000
    /// When each slot's restarts were reported since it was last revived.
    var restarts: [Int: [Duration]] = [:]
    /// Slots reported as crash loops since they were last revived.
    var givenUp: Set<Int> = []
    var everSpawned: Set<InstanceID> = []
    var violations: [String] = []

    init(settings: ProcessGroupSettings) {
        self.settings = settings
        machine = ProcessGroupMachine(settings: settings)
    }

    // MARK: Facts told to the machine

    mutating func send(_ event: ProcessGroupMachine.Event) {
        switch event {
        case .restartRequested, .reconfigured:
            if !stopRequested { restarts = [:]; givenUp = [] }   // both revive given-up slots
        case .stopRequested:
            stopRequested = true
        default:
            break
        }
        if case .reconfigured(let new) = event { settings = new }
        let label = "\(event) at \(now)"
        var wakes = 0
        for action in machine.handle(event, now: now) { apply(action, label, wakes: &wakes) }
        checkState(label)
    }

    func ids(where condition: (Process) -> Bool) -> [InstanceID] {
        processes.values.filter(condition).map(\.id).sorted()
    }

    mutating func deliverSpawned(_ id: InstanceID) {
        nextPid += 1
        processes[id]?.pid = nextPid
        send(.spawned(id, pid: nextPid))
    }

    mutating func deliverSpawnFailed(_ id: InstanceID) {
        processes[id] = nil
        send(.spawnFailed(id, reason: "no such file or directory"))
    }

    mutating func deliverReady(_ id: InstanceID) {
        processes[id]?.readyReported = true
        send(.becameReady(id))
    }

    mutating func deliverExit(_ id: InstanceID, _ status: ProcessGroupMachine.ExitStatus) {
        processes[id] = nil
        send(.exited(id, status))
    }

    /// Time passes to `time`, and the machine is ticked.
    mutating func tick(at time: Duration) {
        now = max(now, time)
        send(.tick)
    }

    /// Lets everything finish: pids known, every instance ready, every stopped process exited, every
    /// wake-up honoured, until nothing changes.
    mutating func settle() {
        for _ in 0..<500 {
            if let id = ids(where: { $0.pid == nil }).first {
                deliverSpawned(id)
            } else if let id = ids(where: { $0.watched && !$0.readyReported && !$0.stopSent && !$0.killed }).first {
                deliverReady(id)
            } else if let id = ids(where: { $0.stopSent || $0.killed }).first {
                deliverExit(id, .signal(15))
            } else if let wake, wake > now {
                tick(at: wake)
            } else {
                return
            }
        }
        violations.append("did not settle after 500 steps")
    }

    // MARK: What the machine asks

    private mutating func apply(_ action: ProcessGroupMachine.Action, _ label: String, wakes: inout Int) {
        func violation(_ text: String) { violations.append("\(label): \(action): \(text)") }
        switch action {
        case .spawn(let id, let port):
            if stopRequested { violation("spawn after the stop request") }
            if !settings.ports.contains(port) { violation("port outside \(settings.ports)") }
            if let holder = processes.values.first(where: { $0.port == port }) { violation("port held by \(holder.id)") }
            if processes.values.count(where: { $0.id.slot == id.slot }) >= 2 { violation("a third live process for the slot") }
            if givenUp.contains(id.slot) { violation("spawn for a given-up slot") }
            if everSpawned.contains(id) { violation("instance id used twice") }
            everSpawned.insert(id)
            processes[id] = Process(id: id, port: port)
        case .watchReadiness(let id, let port):
            guard processes[id]?.port == port else { return violation("not a live process on that port") }
            processes[id]?.watched = true
        case .addTarget(let port):
            guard let owner = processes.values.first(where: { $0.port == port }) else { return violation("no live process on the port") }
            if !owner.readyReported { violation("\(owner.id) was not reported ready") }
            if owner.stopSent || owner.killed { violation("\(owner.id) is being stopped") }
            if targets[port] != nil { violation("already a target") }
            targets[port] = owner.id
        case .removeTarget(let port):
            if targets.removeValue(forKey: port) == nil { violation("not a target") }
        case .stop(let id, let pid, _), .kill(let id, let pid):
            guard let process = processes[id], process.pid == pid else { return violation("no live process with that pid") }
            if targets[process.port] == id { violation("still a target") }
            if case .stop = action {
                if process.stopSent { violation("stopped twice") }
                processes[id]?.stopSent = true
            } else {
                if process.killed { violation("killed twice") }
                processes[id]?.killed = true
            }
        case .wake(let at):
            wakes += 1
            if wakes > 1 { violation("a second wake-up in one call") }
            if at <= now { violation("a wake-up not in the future (now \(now))") }
            wake = at
        case .report(.restarting(let id, _, _)):
            var times = restarts[id.slot, default: []].filter { now - $0 < settings.restartWindow }
            times.append(now)
            restarts[id.slot] = times
            if times.count > settings.maxRestarts { violation("\(times.count) restarts within the window") }
            if givenUp.contains(id.slot) { violation("restart of a given-up slot") }
        case .report(.crashLoop(let slot, _, _)):
            givenUp.insert(slot)
        case .report:
            break
        }
    }

    private mutating func checkState(_ label: String) {
        for (port, owner) in targets {
            guard let process = processes[owner] else {
                violations.append("\(label): port \(port) is a target after \(owner) exited")
                continue
            }
            if !process.readyReported || process.stopSent || process.killed {
                violations.append("\(label): port \(port) is a target of \(owner), not ready or stopping")
            }
        }
        if stopRequested {
            for process in processes.values where process.pid != nil && !process.stopSent && !process.killed {
                violations.append("\(label): \(process.id) runs after the stop request and was not stopped")
            }
        }
        let listed = Set(machine.instances.filter { $0.state != .waitingToRestart && $0.state != .givenUp }.map(\.id))
        if listed != Set(processes.keys) {
            violations.append("\(label): the snapshot lists \(listed.sorted()), the live processes are \(processes.keys.sorted())")
        }
        if machine.isStopped != (stopRequested && processes.isEmpty) {
            violations.append("\(label): isStopped is \(machine.isStopped) with \(processes.count) live processes")
        }
    }
}
