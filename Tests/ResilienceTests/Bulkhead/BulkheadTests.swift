import Clocks
import Testing

@testable import Resilience

/// A reference around the bulkhead machine so that mutating calls can sit inside `#expect`.
private final class BulkheadDriver {
    var machine: Bulkhead.StateMachine
    init(_ max: Int, _ waiting: Int) { machine = .init(maxConcurrentCalls: max, maxWaitingCalls: waiting) }
    func request(_ id: UInt64, mayWait: Bool = true) -> Bulkhead.StateMachine.Admission { machine.callRequested(waiter: id, mayWait: mayWait) }
    func finish() -> UInt64? { machine.callFinished() }
    func leave(_ id: UInt64) -> Bool { machine.waitEnded(waiter: id) }
}

@Suite(.timeLimit(.minutes(1))) struct BulkheadStateMachineTests {
    @Test func admitsUpToTheLimitThenQueuesThenRejects() {
        let bulkhead = BulkheadDriver(2, 1)
        #expect(bulkhead.request(0) == .permitted)
        #expect(bulkhead.request(1) == .permitted)
        #expect(bulkhead.request(2) == .enqueued)
        #expect(bulkhead.request(3) == .rejected)
        #expect(bulkhead.request(4, mayWait: false) == .rejected)
    }

    @Test func aFinishedCallHandsItsSlotToTheOldestWaiter() {
        let bulkhead = BulkheadDriver(1, 2)
        #expect(bulkhead.request(0) == .permitted)
        #expect(bulkhead.request(1) == .enqueued)
        #expect(bulkhead.request(2) == .enqueued)
        #expect(bulkhead.finish() == 1)
        #expect(bulkhead.machine.inFlight == 1)
        #expect(bulkhead.finish() == 2)
        #expect(bulkhead.finish() == nil)
        #expect(bulkhead.machine.inFlight == 0)
    }

    @Test func aWaiterThatLeavesLosesItsPlace() {
        let bulkhead = BulkheadDriver(1, 2)
        _ = bulkhead.request(0)
        _ = bulkhead.request(1)
        _ = bulkhead.request(2)
        #expect(bulkhead.leave(1))
        #expect(!bulkhead.leave(1), "already gone")
        #expect(bulkhead.finish() == 2)
    }

    @Test func aNewcomerNeverOvertakesTheQueue() {
        let bulkhead = BulkheadDriver(1, 5)
        _ = bulkhead.request(0)
        _ = bulkhead.request(1)
        #expect(bulkhead.finish() == 1)
        #expect(bulkhead.request(2, mayWait: false) == .rejected)
    }
}

@Suite(.timeLimit(.minutes(1))) struct BulkheadTests {
    @Test func rejectsACallBeyondTheLimitWithAClearError() async throws {
        let bulkhead = try Bulkhead(BulkheadConfiguration(name: "reports", maxConcurrentCalls: 1), clock: ManualClock())
        let holding = try await bulkhead.acquire()
        do {
            _ = try await bulkhead.execute { 1 }
            Issue.record("expected a rejection")
        } catch let error as BulkheadFullError {
            #expect(error.reason == .full)
            #expect("\(error)" == "bulkhead 'reports' is full: all 1 slots are in use; the call was rejected without running")
        }
        holding.release()
        #expect(try await bulkhead.execute { 2 } == 2)
        #expect(bulkhead.usage == (0, 0))
    }

    @Test func aQueuedCallRunsWhenASlotFreesUp() async throws {
        let bulkhead = try Bulkhead(BulkheadConfiguration(maxConcurrentCalls: 1, maxWaitingCalls: 1, maxWaitDuration: .seconds(5)), clock: ManualClock())
        let holding = try await bulkhead.acquire()
        let ran = CallCounter()
        let queued = Task { try await bulkhead.execute { ran.increment() } }
        #expect(await yieldUntil { bulkhead.usage.waiting == 1 })
        #expect(ran.value == 0)
        holding.release()
        #expect(try await queued.value == 1)
        #expect(bulkhead.usage == (0, 0))
    }

    @Test func aQueuedCallGivesUpAfterTheMaximumWait() async throws {
        let clock = ManualClock()
        let bulkhead = try Bulkhead(BulkheadConfiguration(name: "db", maxConcurrentCalls: 1, maxWaitingCalls: 1, maxWaitDuration: .seconds(2)), clock: clock)
        let holding = try await bulkhead.acquire()
        let queued = Task { try await bulkhead.execute { 1 } }
        #expect(await yieldUntil { bulkhead.usage.waiting == 1 })
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(1_999))
        #expect(bulkhead.usage.waiting == 1, "not yet")
        await clock.advance(by: .milliseconds(1))
        await #expect(throws: BulkheadFullError.self) { try await queued.value }
        #expect(bulkhead.usage == (1, 0))
        holding.release()
        #expect(bulkhead.usage == (0, 0), "the timed-out waiter did not take the slot")
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let bulkhead = try Bulkhead(BulkheadConfiguration(maxConcurrentCalls: 1, maxWaitingCalls: 1, maxWaitDuration: .seconds(60)), clock: ManualClock())
        let holding = try await bulkhead.acquire()
        let queued = Task { try await bulkhead.execute { 1 } }
        #expect(await yieldUntil { bulkhead.usage.waiting == 1 })
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(bulkhead.usage == (1, 0))
        holding.release()
    }

    @Test func neverRunsMoreThanTheLimitAtOnce() async throws {
        let bulkhead = try Bulkhead(BulkheadConfiguration(maxConcurrentCalls: 3, maxWaitingCalls: 100, maxWaitDuration: .seconds(60)), clock: ManualClock())
        let running = CallCounter()
        let peak = Recorder<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await bulkhead.execute {
                        peak.append(running.increment())
                        await Task.yield()
                        running.decrementForTest()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.values.max()! <= 3)
        #expect(peak.count == 50)
        #expect(bulkhead.usage == (0, 0))
    }
}

extension CallCounter {
    func decrementForTest() { _ = increment(by: -1) }
}
