import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineStopTests {
    @Test func stoppingEmptiesThePoolThenStopsEveryProcessAndKillsThoseThatOutstayTheTimeout() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        #expect(harness.send(.stopRequested, at: .seconds(50)) == [
            .removeTarget(port: 3001), .removeTarget(port: 3002),
            .stop(app(0, 1), pid: 100, drainFor: .seconds(30)), .stop(app(1, 2), pid: 101, drainFor: .seconds(30)),
            .wake(at: .seconds(80)),
        ])
        #expect(harness.send(.stopRequested, at: .seconds(51)) == [])
        #expect(harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(52)) == [])
        #expect(!harness.machine.isStopped)
        #expect(harness.send(.tick, at: .milliseconds(79_999)) == [])
        #expect(harness.send(.tick, at: .seconds(80)) == [.kill(app(1, 2), pid: 101), .report(.killed(app(1, 2)))])
        #expect(harness.send(.tick, at: .seconds(90)) == [])
        #expect(harness.send(.exited(app(1, 2), .signal(9)), at: .seconds(91)) == [])
        #expect(harness.machine.isStopped)
        #expect(harness.machine.instances.isEmpty)
    }

    @Test func nothingStartsAfterAStop() {
        var harness = Harness(appSettings(instances: 2) { $0.maxMemory = 1_000 })
        harness.startReady()
        harness.send(.exited(app(1, 2), .code(1)), at: .seconds(10))   // a restart is pending
        harness.send(.stopRequested, at: .seconds(10))
        #expect(harness.send(.tick, at: .seconds(11)) == [])
        #expect(harness.send(.restartRequested(.requested)) == [])
        #expect(harness.send(.reconfigured(appSettings(instances: 4) { $0.command = ["other"] })) == [])
        #expect(harness.send(.start) == [])
        #expect(harness.send(.becameReady(app(0, 1))) == [])
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 5_000), at: .seconds(20)) == [])
        #expect(harness.send(.exited(app(0, 1), .code(0)), at: .seconds(21)) == [])
        #expect(harness.machine.isStopped)
    }

    @Test func aProcessStillStartingIsStoppedAsSoonAsItsPidIsKnown() {
        var harness = Harness(appSettings(instances: 2))
        harness.send(.start)
        harness.send(.spawned(app(0, 1), pid: 100))
        harness.send(.becameReady(app(0, 1)), at: .seconds(1))
        #expect(harness.send(.stopRequested, at: .seconds(5)) == [
            .removeTarget(port: 3001), .stop(app(0, 1), pid: 100, drainFor: .seconds(30)), .wake(at: .seconds(35)),
        ])
        #expect(harness.send(.spawned(app(1, 2), pid: 101), at: .seconds(6)) == [
            .stop(app(1, 2), pid: 101, drainFor: .seconds(30)),
        ])
        #expect(harness.send(.becameReady(app(1, 2)), at: .seconds(7)) == [])
        harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(8))
        #expect(!harness.machine.isStopped)
        harness.send(.exited(app(1, 2), .signal(15)), at: .seconds(9))
        #expect(harness.machine.isStopped)
    }

    @Test func aStopBeforeTheStartLeavesNothingToStop() {
        var harness = Harness(appSettings())
        #expect(harness.send(.stopRequested) == [])
        #expect(harness.machine.isStopped)
        #expect(harness.send(.start) == [])
    }

    @Test func anOldInstanceThatOutstaysItsStopIsKilledOnce() {
        var harness = Harness(appSettings())
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(10))
        harness.send(.spawned(app(0, 2), pid: 200))
        harness.send(.becameReady(app(0, 2)), at: .seconds(11))
        #expect(harness.send(.tick, at: .seconds(41)) == [.kill(app(0, 1), pid: 100), .report(.killed(app(0, 1)))])
        #expect(harness.send(.tick, at: .seconds(71)) == [])
    }
}
