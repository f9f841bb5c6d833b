import BulwarkConfig
import BulwarkSupervisor

typealias Event = ProcessGroupMachine.Event
typealias Action = ProcessGroupMachine.Action

/// `app.SLOT#SERIAL`.
func app(_ slot: Int, _ serial: Int) -> InstanceID { InstanceID(group: "app", slot: slot, serial: serial) }

/// Group `app` on ports from 3001 with the defaults (ready 30 s, backoff 1 s‥60 s, 10 restarts in 10 min,
/// stop 30 s), changed by `change`.
func appSettings(instances: Int = 1, _ change: (inout ProcessGroupSettings) -> Void = { _ in }) -> ProcessGroupSettings {
    var settings = ProcessGroupSettings(name: "app", command: ["node", "dist/index.js"], portBase: 3001)
    settings.instances = instances
    change(&settings)
    return settings
}

/// A machine and the time, for scenario tests.
struct Harness {
    var machine: ProcessGroupMachine
    var now: Duration = .zero

    init(_ settings: ProcessGroupSettings) {
        machine = ProcessGroupMachine(settings: settings)
    }

    /// Handles `event` at `time` (or at the current time), which becomes the current time.
    @discardableResult
    mutating func send(_ event: Event, at time: Duration? = nil) -> [Action] {
        if let time { now = time }
        return machine.handle(event, now: now)
    }

    /// Starts the group at 0: slot *i* is `app.i#(i+1)` with pid 100 + i on port 3001 + i, ready at 1 s.
    mutating func startReady() {
        send(.start, at: .zero)
        let count = machine.settings.instances
        for slot in 0..<count { send(.spawned(app(slot, slot + 1), pid: Int32(100 + slot))) }
        for slot in 0..<count { send(.becameReady(app(slot, slot + 1)), at: .seconds(1)) }
    }

    /// The snapshot of `id` (the first, if a slot waiting to restart shows it twice).
    func snapshot(_ id: InstanceID) -> InstanceSnapshot? { machine.instances.first { $0.id == id } }
}
