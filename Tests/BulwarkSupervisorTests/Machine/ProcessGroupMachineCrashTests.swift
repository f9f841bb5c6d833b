import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineCrashTests {
    @Test func aCrashedInstanceLeavesThePoolFirstAndRestartsOnItsPortAfterTheBackoff() {
        var harness = Harness(appSettings())
        harness.startReady()
        #expect(harness.send(.exited(app(0, 1), .code(1)), at: .seconds(10)) == [
            .removeTarget(port: 3001),
            .report(.restarting(app(0, 1), reason: "exit code 1", delay: .seconds(1))),
            .wake(at: .seconds(11)),
        ])
        #expect(harness.snapshot(app(0, 1)) == InstanceSnapshot(
            id: app(0, 1), port: 3001, state: .waitingToRestart, restarts: 1, lastExit: .code(1), lastReason: "exit code 1"
        ))
        #expect(harness.send(.tick, at: .milliseconds(10_999)) == [])
        #expect(harness.send(.tick, at: .seconds(11)) == [
            .spawn(app(0, 2), port: 3001), .watchReadiness(app(0, 2), port: 3001), .wake(at: .seconds(41)),
        ])
    }

    @Test func theBackoffDoublesWithConsecutiveFailuresUpToItsMaximumAndResetsOnReadiness() {
        var harness = Harness(appSettings { $0.backoffMaximum = .seconds(5) })
        harness.startReady()
        var serial = 1
        var delays: [Duration] = []
        func crash(_ harness: inout Harness) {
            harness.send(.spawned(app(0, serial), pid: Int32(100 + serial)))
            for action in harness.send(.exited(app(0, serial), .signal(11))) {
                if case .report(.restarting(_, let reason, let delay)) = action {
                    #expect(reason == "signal 11 (SIGSEGV)")
                    delays.append(delay)
                    serial += 1
                    #expect(harness.send(.tick, at: harness.now + delay).first == .spawn(app(0, serial), port: 3001))
                }
            }
        }
        for _ in 0..<5 { crash(&harness) }
        #expect(delays == [1, 2, 4, 5, 5].map { .seconds($0) })
        harness.send(.spawned(app(0, serial), pid: 1))
        harness.send(.becameReady(app(0, serial)))
        crash(&harness)
        #expect(delays.last == .seconds(1))
    }

    @Test func moreThanMaxRestartsWithinTheWindowGivesTheSlotUpUntilARestartIsRequested() {
        var harness = Harness(appSettings { $0.maxRestarts = 2; $0.restartWindow = .seconds(60) })
        harness.startReady()
        #expect(harness.send(.exited(app(0, 1), .code(1)), at: .seconds(10)).contains(.wake(at: .seconds(11))))
        harness.send(.tick, at: .seconds(11))
        #expect(harness.send(.exited(app(0, 2), .code(1)), at: .seconds(12)).contains(.wake(at: .seconds(14))))
        harness.send(.tick, at: .seconds(14))
        #expect(harness.send(.exited(app(0, 3), .code(1)), at: .seconds(15)) == [
            .report(.crashLoop(slot: 0, restarts: 3, lastReason: "exit code 1")),
        ])
        #expect(harness.send(.tick, at: .seconds(1_000)) == [])
        #expect(harness.machine.instances == [InstanceSnapshot(
            id: app(0, 3), port: 3001, state: .givenUp, restarts: 2, lastExit: .code(1), lastReason: "exit code 1"
        )])
        #expect(harness.send(.restartRequested(.requested), at: .seconds(1_001)) == [
            .spawn(app(0, 4), port: 3001), .watchReadiness(app(0, 4), port: 3001), .wake(at: .seconds(1_031)),
        ])
        // Revived with a fresh count: two more restarts are allowed.
        harness.send(.exited(app(0, 4), .code(1)), at: .seconds(1_002))
        harness.send(.tick, at: .seconds(1_003))
        #expect(harness.send(.exited(app(0, 5), .code(1)), at: .seconds(1_004)).contains(.wake(at: .seconds(1_006))))
    }

    @Test func restartsOlderThanTheWindowNoLongerCount() {
        var harness = Harness(appSettings { $0.maxRestarts = 1; $0.restartWindow = .seconds(10) })
        harness.startReady()
        harness.send(.exited(app(0, 1), .code(1)), at: .seconds(10))
        harness.send(.tick, at: .seconds(11))
        harness.send(.becameReady(app(0, 2)), at: .seconds(12))
        // 15 s after the first failure: it slid out of the window.
        #expect(harness.send(.exited(app(0, 2), .code(1)), at: .seconds(25)) == [
            .removeTarget(port: 3001),
            .report(.restarting(app(0, 2), reason: "exit code 1", delay: .seconds(1))),
            .wake(at: .seconds(26)),
        ])
        harness.send(.tick, at: .seconds(26))
        #expect(harness.send(.exited(app(0, 3), .code(1)), at: .seconds(27)) == [
            .report(.crashLoop(slot: 0, restarts: 2, lastReason: "exit code 1")),
        ])
    }

    @Test func aReloadRevivesAGivenUpSlot() {
        var harness = Harness(appSettings { $0.maxRestarts = 1 })
        harness.startReady()
        harness.send(.exited(app(0, 1), .code(1)), at: .seconds(10))
        harness.send(.tick, at: .seconds(11))
        #expect(harness.send(.spawnFailed(app(0, 2), reason: "permission denied"), at: .seconds(11)) == [
            .report(.crashLoop(slot: 0, restarts: 2, lastReason: "could not start: permission denied")),
        ])
        #expect(harness.send(.reconfigured(appSettings { $0.maxRestarts = 5 }), at: .seconds(20)) == [
            .spawn(app(0, 3), port: 3001), .watchReadiness(app(0, 3), port: 3001), .wake(at: .seconds(50)),
        ])
    }

    @Test func aCrashAfterARestartOnTheSparePortRestartsOnTheSparePort() {
        var harness = Harness(appSettings())
        harness.startReady()
        harness.send(.restartRequested(.requested), at: .seconds(10))
        harness.send(.spawned(app(0, 2), pid: 200))
        harness.send(.becameReady(app(0, 2)), at: .seconds(11))
        harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(12))
        #expect(harness.send(.exited(app(0, 2), .code(137)), at: .seconds(20)) == [
            .removeTarget(port: 3002),
            .report(.restarting(app(0, 2), reason: "exit code 137", delay: .seconds(1))),
            .wake(at: .seconds(21)),
        ])
        #expect(harness.send(.tick, at: .seconds(21)).first == .spawn(app(0, 3), port: 3002))
    }
}
