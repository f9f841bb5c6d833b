import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineRollingTests {
    @Test func aRollingRestartReplacesOneSlotAtATimeOnTheSparePorts() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        #expect(harness.send(.restartRequested(.requested), at: .seconds(100)) == [
            .spawn(app(0, 3), port: 3003), .watchReadiness(app(0, 3), port: 3003), .wake(at: .seconds(130)),
        ])
        #expect(harness.machine.rollingRestartReason == .requested)
        #expect(harness.send(.spawned(app(0, 3), pid: 102), at: .seconds(101)) == [])
        // Ready: in the pool, the old one out of it and stopped, then the next slot.
        #expect(harness.send(.becameReady(app(0, 3)), at: .seconds(105)) == [
            .addTarget(port: 3003), .report(.serving(app(0, 3), port: 3003)),
            .removeTarget(port: 3001), .stop(app(0, 1), pid: 100, drainFor: .seconds(30)),
            .spawn(app(1, 4), port: 3004), .watchReadiness(app(1, 4), port: 3004),
            .wake(at: .seconds(135)),
        ])
        #expect(harness.snapshot(app(0, 1))?.state == .stopping)
        #expect(harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(106)) == [])
        harness.send(.spawned(app(1, 4), pid: 103))
        #expect(harness.send(.becameReady(app(1, 4)), at: .seconds(107)) == [
            .addTarget(port: 3004), .report(.serving(app(1, 4), port: 3004)),
            .removeTarget(port: 3002), .stop(app(1, 2), pid: 101, drainFor: .seconds(30)),
            .wake(at: .seconds(137)),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
        harness.send(.exited(app(1, 2), .signal(15)), at: .seconds(108))
        // The next rolling restart moves the slots back to their own ports.
        #expect(harness.send(.restartRequested(.requested), at: .seconds(200)) == [
            .spawn(app(0, 5), port: 3001), .watchReadiness(app(0, 5), port: 3001), .wake(at: .seconds(230)),
        ])
    }

    @Test func aReplacementThatCrashesIsRetriedAfterTheBackoffWhileTheOldInstanceServes() {
        var harness = Harness(appSettings())
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(100))
        #expect(harness.send(.exited(app(0, 2), .code(1)), at: .seconds(102)) == [
            .report(.restarting(app(0, 2), reason: "exit code 1", delay: .seconds(1))),
            .wake(at: .seconds(103)),
        ])
        #expect(harness.snapshot(app(0, 1))?.state == .ready)
        #expect(harness.send(.tick, at: .seconds(103)) == [
            .spawn(app(0, 3), port: 3002), .watchReadiness(app(0, 3), port: 3002), .wake(at: .seconds(133)),
        ])
        harness.send(.spawned(app(0, 3), pid: 300))
        #expect(harness.send(.becameReady(app(0, 3)), at: .seconds(104)) == [
            .addTarget(port: 3002), .report(.serving(app(0, 3), port: 3002)),
            .removeTarget(port: 3001), .stop(app(0, 1), pid: 100, drainFor: .seconds(30)),
            .wake(at: .seconds(134)),
        ])
    }

    @Test func aReplacementNotReadyInTimeIsKilledAndRetriedOnceItHasExited() {
        var harness = Harness(appSettings())
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(100))
        harness.send(.spawned(app(0, 2), pid: 200))
        #expect(harness.send(.tick, at: .seconds(130)) == [
            .kill(app(0, 2), pid: 200),
            .report(.restarting(app(0, 2), reason: "not ready within 30 s", delay: .seconds(1))),
            .wake(at: .seconds(131)),
        ])
        #expect(harness.send(.tick, at: .seconds(131)) == [])
        #expect(harness.send(.exited(app(0, 2), .signal(9)), at: .seconds(132)) == [
            .spawn(app(0, 3), port: 3002), .watchReadiness(app(0, 3), port: 3002), .wake(at: .seconds(162)),
        ])
        #expect(harness.snapshot(app(0, 1))?.state == .ready)
    }

    @Test func aReplacementThatCrashLoopsGivesUpAndEndsTheRollingRestart() {
        var harness = Harness(appSettings(instances: 2) { $0.maxRestarts = 1 })
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(100))
        harness.send(.exited(app(0, 3), .code(1)), at: .seconds(101))
        #expect(harness.send(.tick, at: .seconds(102)).first == .spawn(app(0, 4), port: 3003))
        #expect(harness.send(.exited(app(0, 4), .code(1)), at: .seconds(103)) == [
            .report(.crashLoop(slot: 0, restarts: 2, lastReason: "exit code 1")),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
        #expect(harness.send(.tick, at: .seconds(1_000)) == [])
        #expect(harness.machine.instances.map(\.state) == [.ready, .ready])
    }

    @Test func aRestartRequestedDuringARollingRestartStartsTheSequenceOverAfterTheCurrentSlot() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(100))
        #expect(harness.send(.restartRequested(.requested), at: .seconds(101)) == [])
        harness.send(.spawned(app(0, 3), pid: 102))
        // Slot 0 is done; slot 0 again must wait for app.0#1 to exit, so slot 1 goes first.
        #expect(harness.send(.becameReady(app(0, 3)), at: .seconds(102)) == [
            .addTarget(port: 3003), .report(.serving(app(0, 3), port: 3003)),
            .removeTarget(port: 3001), .stop(app(0, 1), pid: 100, drainFor: .seconds(30)),
            .spawn(app(1, 4), port: 3004), .watchReadiness(app(1, 4), port: 3004),
            .wake(at: .seconds(132)),
        ])
        #expect(harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(103)) == [])
        harness.send(.spawned(app(1, 4), pid: 103))
        #expect(harness.send(.becameReady(app(1, 4)), at: .seconds(104)) == [
            .addTarget(port: 3004), .report(.serving(app(1, 4), port: 3004)),
            .removeTarget(port: 3002), .stop(app(1, 2), pid: 101, drainFor: .seconds(30)),
            .spawn(app(0, 5), port: 3001), .watchReadiness(app(0, 5), port: 3001),
            .wake(at: .seconds(134)),
        ])
        harness.send(.spawned(app(0, 5), pid: 104))
        #expect(harness.send(.becameReady(app(0, 5)), at: .seconds(105)) == [
            .addTarget(port: 3001), .report(.serving(app(0, 5), port: 3001)),
            .removeTarget(port: 3003), .stop(app(0, 3), pid: 102, drainFor: .seconds(30)),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
    }

    @Test func slotsWaitingToRestartOrGivenUpAreStartedAfreshAtOnce() {
        var harness = Harness(appSettings(instances: 3) { $0.backoffMinimum = .seconds(10); $0.maxRestarts = 1 })
        harness.startReady()
        harness.send(.exited(app(1, 2), .code(1)), at: .seconds(50))
        harness.send(.exited(app(2, 3), .code(1)), at: .seconds(50))
        harness.send(.tick, at: .seconds(60))
        harness.send(.exited(app(2, 5), .code(1)), at: .seconds(61))
        harness.send(.tick, at: .seconds(70))
        harness.send(.exited(app(1, 4), .code(1)), at: .seconds(71))
        #expect(harness.machine.instances.map(\.state) == [.ready, .givenUp, .givenUp])
        harness.send(.exited(app(0, 1), .code(1)), at: .seconds(80))
        #expect(harness.machine.instances.map(\.state) == [.waitingToRestart, .givenUp, .givenUp])
        #expect(harness.send(.restartRequested(.requested), at: .seconds(81)) == [
            .spawn(app(0, 6), port: 3001), .watchReadiness(app(0, 6), port: 3001),
            .spawn(app(1, 7), port: 3002), .watchReadiness(app(1, 7), port: 3002),
            .spawn(app(2, 8), port: 3003), .watchReadiness(app(2, 8), port: 3003),
            .wake(at: .seconds(111)),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
    }

    @Test func aSlotThatIsNotReadyIsReplacedAndTheNewInstanceTakesOverIfTheOldOneCrashes() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        harness.send(.exited(app(1, 2), .code(1)), at: .seconds(10))
        harness.send(.tick, at: .seconds(11))   // app.1#3 starting on 3002
        harness.send(.spawned(app(1, 3), pid: 103))
        harness.send(.restartRequested(.requested), at: .seconds(12))   // app.0#4 on 3003
        harness.send(.spawned(app(0, 4), pid: 104))
        harness.send(.becameReady(app(0, 4)), at: .seconds(13))        // then app.1#5 on 3004
        #expect(harness.snapshot(app(1, 5))?.port == 3004)
        // The instance being replaced crashes: the replacement under way becomes the slot's instance.
        #expect(harness.send(.exited(app(1, 3), .code(2)), at: .seconds(14)) == [
            .report(.restarting(app(1, 3), reason: "exit code 2", delay: .zero)),
            .wake(at: .seconds(43)),
        ])
        #expect(harness.send(.becameReady(app(1, 5)), at: .seconds(15)) == [
            .addTarget(port: 3004), .report(.serving(app(1, 5), port: 3004)),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
    }
}
