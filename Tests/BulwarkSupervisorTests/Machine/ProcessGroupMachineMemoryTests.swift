import BulwarkSupervisor
import Testing

@Suite struct ProcessGroupMachineMemoryTests {
    static let limited = appSettings { $0.maxMemory = 1_000 }

    @Test func anInstanceAboveTheLimitForTheGracePeriodIsReplacedOnTheSparePort() {
        var harness = Harness(Self.limited)
        harness.startReady()
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(10)) == [])
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_800), at: .seconds(39)) == [])
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_600), at: .seconds(40)) == [
            .report(.memoryRestart(app(0, 1), bytes: 1_600)),
            .spawn(app(0, 2), port: 3002), .watchReadiness(app(0, 2), port: 3002),
            .wake(at: .seconds(70)),
        ])
        // One replacement at a time.
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 2_000), at: .seconds(45)) == [])
        harness.send(.spawned(app(0, 2), pid: 200))
        #expect(harness.send(.becameReady(app(0, 2)), at: .seconds(46)) == [
            .addTarget(port: 3002), .report(.serving(app(0, 2), port: 3002)),
            .removeTarget(port: 3001), .stop(app(0, 1), pid: 100, drainFor: .seconds(30)),
            .wake(at: .seconds(76)),
        ])
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 5_000), at: .seconds(50)) == [])
    }

    @Test func aSampleAtOrBelowTheLimitStartsTheGracePeriodOver() {
        var harness = Harness(Self.limited)
        harness.startReady()
        harness.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(10))
        harness.send(.memorySampled(app(0, 1), bytes: 1_000), at: .seconds(20))
        harness.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(30))
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(59)) == [])
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(60)).first == .report(.memoryRestart(app(0, 1), bytes: 1_500)))
    }

    @Test func theGracePeriodIsConfigurable() {
        var harness = Harness(appSettings { $0.maxMemory = 1_000; $0.memoryGrace = .seconds(5) })
        harness.startReady()
        harness.send(.memorySampled(app(0, 1), bytes: 1_001), at: .seconds(10))
        #expect(harness.send(.memorySampled(app(0, 1), bytes: 1_001), at: .seconds(15)).first == .report(.memoryRestart(app(0, 1), bytes: 1_001)))
    }

    @Test func withoutALimitOrBeforeReadinessNothingIsReplaced() {
        var unlimited = Harness(appSettings())
        unlimited.startReady()
        #expect(unlimited.send(.memorySampled(app(0, 1), bytes: 1 << 40), at: .seconds(10)) == [])
        #expect(unlimited.send(.memorySampled(app(0, 1), bytes: 1 << 40), at: .seconds(100)) == [])

        var starting = Harness(appSettings { $0.maxMemory = 1_000; $0.memoryGrace = .seconds(5) })
        starting.send(.start)
        starting.send(.spawned(app(0, 1), pid: 100))
        starting.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(1))
        #expect(starting.send(.memorySampled(app(0, 1), bytes: 1_500), at: .seconds(20)) == [])
    }
}
