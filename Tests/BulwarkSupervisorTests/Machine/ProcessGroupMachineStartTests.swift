import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineStartTests {
    @Test func startSpawnsEverySlotOnItsPortWatchesItAndWakesAtTheReadyTimeout() {
        var harness = Harness(appSettings(instances: 2))
        #expect(harness.send(.start) == [
            .spawn(app(0, 1), port: 3001), .watchReadiness(app(0, 1), port: 3001),
            .spawn(app(1, 2), port: 3002), .watchReadiness(app(1, 2), port: 3002),
            .wake(at: .seconds(30)),
        ])
        #expect(harness.send(.start, at: .seconds(1)) == [])
        #expect(harness.machine.instances.map(\.state) == [.starting, .starting])
    }

    @Test func nothingHappensBeforeStart() {
        var harness = Harness(appSettings())
        #expect(harness.send(.tick, at: .seconds(100)) == [])
        #expect(harness.send(.restartRequested(.requested)) == [])
        #expect(harness.send(.becameReady(app(0, 1))) == [])
        #expect(harness.machine.instances.isEmpty)
    }

    @Test func aReadyInstanceJoinsThePoolAndIsReportedServing() {
        var harness = Harness(appSettings(instances: 2))
        harness.send(.start)
        #expect(harness.send(.spawned(app(0, 1), pid: 100), at: .seconds(1)) == [])
        #expect(harness.snapshot(app(0, 1))?.state == .running)
        #expect(harness.snapshot(app(0, 1))?.pid == 100)
        #expect(harness.send(.becameReady(app(0, 1)), at: .seconds(2)) == [
            .addTarget(port: 3001), .report(.serving(app(0, 1), port: 3001)),
        ])
        // A second readiness report for the same instance changes nothing.
        #expect(harness.send(.becameReady(app(0, 1)), at: .seconds(3)) == [])
        // Ready before its pid is reported: it joins the pool all the same.
        #expect(harness.send(.becameReady(app(1, 2)), at: .seconds(4)) == [
            .addTarget(port: 3002), .report(.serving(app(1, 2), port: 3002)),
        ])
        #expect(harness.send(.spawned(app(1, 2), pid: 101)) == [])
        #expect(harness.snapshot(app(1, 2)) == InstanceSnapshot(
            id: app(1, 2), port: 3002, pid: 101, state: .ready, startedAt: .zero, readyAt: .seconds(4)
        ))
        // Everything is ready: no deadline is left, no timeout fires.
        #expect(harness.send(.tick, at: .seconds(300)) == [])
    }

    @Test func anInstanceNotReadyInTimeIsKilledAndRestartedOnTheOtherPortWhileItStillHoldsItsOwn() {
        var harness = Harness(appSettings())
        harness.send(.start)
        harness.send(.spawned(app(0, 1), pid: 100), at: .seconds(1))
        #expect(harness.send(.tick, at: .milliseconds(29_999)) == [])
        #expect(harness.send(.tick, at: .seconds(30)) == [
            .kill(app(0, 1), pid: 100),
            .report(.restarting(app(0, 1), reason: "not ready within 30 s", delay: .seconds(1))),
            .wake(at: .seconds(31)),
        ])
        // A readiness report that comes too late is ignored.
        #expect(harness.send(.becameReady(app(0, 1)), at: .milliseconds(30_500)) == [])
        // The killed process may still hold 3001: the restart takes the slot's spare port.
        #expect(harness.send(.tick, at: .seconds(31)) == [
            .spawn(app(0, 2), port: 3002), .watchReadiness(app(0, 2), port: 3002), .wake(at: .seconds(61)),
        ])
        #expect(harness.send(.exited(app(0, 1), .signal(9)), at: .milliseconds(31_500)) == [])
        #expect(harness.snapshot(app(0, 2))?.restarts == 1)
        #expect(harness.snapshot(app(0, 2))?.lastReason == "not ready within 30 s")
        #expect(harness.snapshot(app(0, 2))?.lastExit == .signal(9))
    }

    @Test func aRestartWaitsWhileBothOfTheSlotsPortsAreHeld() {
        var harness = Harness(appSettings())
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(10))   // app.0#2 on 3002
        harness.send(.spawned(app(0, 2), pid: 200))
        harness.send(.becameReady(app(0, 2)), at: .seconds(11))        // app.0#1 stopping on 3001
        harness.send(.exited(app(0, 2), .code(1)), at: .seconds(12))
        // app.0#2 exited: its port is free, and it is the one the restart takes.
        #expect(harness.send(.tick, at: .seconds(13)).first == .spawn(app(0, 3), port: 3002))
        harness.send(.spawned(app(0, 3), pid: 300))
        #expect(harness.send(.tick, at: .seconds(43)) == [
            .kill(app(0, 3), pid: 300),
            .report(.restarting(app(0, 3), reason: "not ready within 30 s", delay: .seconds(2))),
            .kill(app(0, 1), pid: 100), .report(.killed(app(0, 1))),
            .wake(at: .seconds(45)),
        ])
        // Two processes of the slot are still alive, on both its ports: nothing starts.
        #expect(harness.send(.tick, at: .seconds(45)) == [])
        #expect(harness.send(.exited(app(0, 1), .signal(9)), at: .seconds(46)) == [
            .spawn(app(0, 4), port: 3001), .watchReadiness(app(0, 4), port: 3001), .wake(at: .seconds(76)),
        ])
    }

    @Test func anInstanceTimedOutBeforeItsPidIsKnownIsKilledWhenItIs() {
        var harness = Harness(appSettings())
        harness.send(.start)
        #expect(harness.send(.tick, at: .seconds(30)) == [
            .report(.restarting(app(0, 1), reason: "not ready within 30 s", delay: .seconds(1))),
            .wake(at: .seconds(31)),
        ])
        #expect(harness.send(.spawned(app(0, 1), pid: 7), at: .milliseconds(30_500)) == [.kill(app(0, 1), pid: 7)])
        #expect(harness.send(.exited(app(0, 1), .signal(9)), at: .seconds(32)) == [
            .spawn(app(0, 2), port: 3001), .watchReadiness(app(0, 2), port: 3001), .wake(at: .seconds(62)),
        ])
    }

    @Test func aSpawnThatFailsCountsAsACrash() {
        var harness = Harness(appSettings())
        harness.send(.start)
        #expect(harness.send(.spawnFailed(app(0, 1), reason: "no such file or directory"), at: .milliseconds(100)) == [
            .report(.restarting(app(0, 1), reason: "could not start: no such file or directory", delay: .seconds(1))),
            .wake(at: .milliseconds(1_100)),
        ])
        #expect(harness.snapshot(app(0, 1))?.state == .waitingToRestart)
        #expect(harness.send(.tick, at: .milliseconds(1_099)) == [])
        #expect(harness.send(.tick, at: .milliseconds(1_100)) == [
            .spawn(app(0, 2), port: 3001), .watchReadiness(app(0, 2), port: 3001), .wake(at: .milliseconds(31_100)),
        ])
    }

    @Test func eventsAboutUnknownInstancesAreIgnored() {
        var harness = Harness(appSettings())
        harness.startReady()
        let stranger = InstanceID(group: "app", slot: 5, serial: 99)
        #expect(harness.send(.spawned(stranger, pid: 1)) == [])
        #expect(harness.send(.becameReady(stranger)) == [])
        #expect(harness.send(.exited(stranger, .code(1))) == [])
        #expect(harness.send(.spawnFailed(app(0, 9), reason: "x")) == [])
        #expect(harness.send(.memorySampled(stranger, bytes: 1 << 40)) == [])
    }
}
