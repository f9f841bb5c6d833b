import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineSnapshotTests {
    @Test func theSnapshotShowsEveryInstanceAndEverySlotWithoutOne() {
        var harness = Harness(appSettings(instances: 3) { $0.backoffMinimum = .seconds(5); $0.maxRestarts = 1 })
        harness.send(.start)
        harness.send(.spawned(app(0, 1), pid: 100), at: .seconds(1))
        harness.send(.becameReady(app(0, 1)), at: .seconds(2))
        harness.send(.spawned(app(1, 2), pid: 101), at: .seconds(2))
        harness.send(.exited(app(2, 3), .signal(9)), at: .seconds(3))
        #expect(harness.machine.instances == [
            InstanceSnapshot(id: app(0, 1), port: 3001, pid: 100, state: .ready, startedAt: .zero, readyAt: .seconds(2)),
            InstanceSnapshot(id: app(1, 2), port: 3002, pid: 101, state: .running, startedAt: .zero),
            InstanceSnapshot(id: app(2, 3), port: 3003, state: .waitingToRestart, restarts: 1, lastExit: .signal(9), lastReason: "signal 9 (SIGKILL)"),
        ])
        harness.send(.tick, at: .seconds(8))
        harness.send(.exited(app(2, 4), .code(3)), at: .seconds(9))
        harness.send(.restartRequested(.requested), at: .seconds(10))
        harness.send(.spawned(app(0, 6), pid: 106))
        harness.send(.becameReady(app(0, 6)), at: .seconds(11))
        #expect(harness.machine.instances == [
            InstanceSnapshot(id: app(0, 1), port: 3001, pid: 100, state: .stopping, startedAt: .zero, readyAt: .seconds(2)),
            InstanceSnapshot(id: app(0, 6), port: 3004, pid: 106, state: .ready, startedAt: .seconds(10), readyAt: .seconds(11)),
            InstanceSnapshot(id: app(1, 2), port: 3002, pid: 101, state: .running, startedAt: .zero),
            InstanceSnapshot(id: app(1, 7), port: 3005, state: .starting, startedAt: .seconds(11)),
            InstanceSnapshot(id: app(2, 5), port: 3003, state: .starting, startedAt: .seconds(10), restarts: 1, lastExit: .code(3), lastReason: "exit code 3"),
        ])
        #expect(InstanceSnapshot.State.allCases.map(\.rawValue) == ["starting", "running", "ready", "stopping", "waiting_to_restart", "given_up"])
    }
}
