import BulwarkConfig
import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineReconfigureTests {
    @Test func moreInstancesStartTheNewSlots() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        #expect(harness.send(.reconfigured(appSettings(instances: 3)), at: .seconds(50)) == [
            .spawn(app(2, 3), port: 3003), .watchReadiness(app(2, 3), port: 3003), .wake(at: .seconds(80)),
        ])
        #expect(harness.machine.rollingRestartReason == nil)
        #expect(harness.machine.settings.instances == 3)
    }

    @Test func fewerInstancesTakeTheHighestSlotsOutOfThePoolAndStopThem() {
        var harness = Harness(appSettings(instances: 3))
        harness.startReady()
        #expect(harness.send(.reconfigured(appSettings(instances: 2)), at: .seconds(50)) == [
            .removeTarget(port: 3003), .stop(app(2, 3), pid: 102, drainFor: .seconds(30)), .wake(at: .seconds(80)),
        ])
        #expect(harness.send(.exited(app(2, 3), .signal(15)), at: .seconds(51)) == [])
        #expect(harness.machine.instances.map(\.id) == [app(0, 1), app(1, 2)])
    }

    @Test func aNewCommandEnvironmentOrDirectoryRollsEverySlot() {
        var command = appSettings(instances: 2), environment = command, directory = command
        command.command = ["node", "dist/v2.js"]
        environment.environment = ["NODE_ENV": "production"]
        directory.workingDirectory = "/srv/app"
        for changed in [command, environment, directory] {
            var harness = Harness(appSettings(instances: 2))
            harness.startReady()
            #expect(harness.send(.reconfigured(changed), at: .seconds(50)) == [
                .spawn(app(0, 3), port: 3003), .watchReadiness(app(0, 3), port: 3003), .wake(at: .seconds(80)),
            ])
            #expect(harness.machine.rollingRestartReason == .reconfigured)
        }
    }

    @Test func aNewPortBaseRollsEverySlotOntoTheNewPorts() {
        var harness = Harness(appSettings(instances: 2))
        harness.startReady()
        #expect(harness.send(.reconfigured(appSettings(instances: 2) { $0.portBase = 4001 }), at: .seconds(50)) == [
            .spawn(app(0, 3), port: 4001), .watchReadiness(app(0, 3), port: 4001), .wake(at: .seconds(80)),
        ])
        harness.send(.becameReady(app(0, 3)), at: .seconds(51))
        #expect(harness.snapshot(app(1, 4))?.port == 4002)
    }

    @Test func otherChangesAreKeptForLaterStartsWithoutRestartingAnything() {
        var harness = Harness(appSettings())
        harness.startReady()
        #expect(harness.send(.reconfigured(appSettings { $0.readyTimeout = .seconds(5) }), at: .seconds(50)) == [])
        #expect(harness.machine.rollingRestartReason == nil)
        harness.send(.exited(app(0, 1), .code(1)), at: .seconds(60))
        #expect(harness.send(.tick, at: .seconds(61)).last == .wake(at: .seconds(66)))
    }

    @Test func settingsReceivedBeforeTheStartAreTheOnesStarted() {
        var harness = Harness(appSettings())
        #expect(harness.send(.reconfigured(appSettings(instances: 2) { $0.portBase = 5000 })) == [])
        #expect(harness.send(.start).filter { if case .spawn = $0 { true } else { false } } == [
            .spawn(app(0, 1), port: 5000), .spawn(app(1, 2), port: 5001),
        ])
    }

    @Test func aNewInstanceCountMovesInstancesOffTheSparePortsThatMoved() {
        var harness = Harness(appSettings(instances: 2) { $0.maxMemory = 1_000 })
        harness.startReady()
        // A memory restart puts slot 0 on its spare port, 3003.
        harness.send(.memorySampled(app(0, 1), bytes: 2_000), at: .seconds(10))
        harness.send(.memorySampled(app(0, 1), bytes: 2_000), at: .seconds(40))
        harness.send(.becameReady(app(0, 3)), at: .seconds(41))
        harness.send(.exited(app(0, 1), .signal(15)), at: .seconds(42))
        // With 3 instances 3003 is slot 2's own port and slot 0's spare is 3004: slot 2 starts on its
        // spare, 3006, and slot 0 moves to 3001.
        #expect(harness.send(.reconfigured(appSettings(instances: 3) { $0.maxMemory = 1_000 }), at: .seconds(50)) == [
            .spawn(app(2, 4), port: 3006), .watchReadiness(app(2, 4), port: 3006),
            .spawn(app(0, 5), port: 3001), .watchReadiness(app(0, 5), port: 3001),
            .wake(at: .seconds(80)),
        ])
        #expect(harness.machine.rollingRestartReason == .reconfigured)
    }
}
