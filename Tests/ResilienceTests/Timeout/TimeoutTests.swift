import Clocks
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct TimeoutTests {
    @Test func returnsTheResultWhenTheOperationFinishesInTime() async throws {
        let timeout = try Timeout(.seconds(1), clock: ManualClock())
        #expect(try await timeout.execute { 42 } == 42)
    }

    @Test func cancelsTheOperationAndThrowsWhenTheTimeIsUp() async throws {
        let clock = ManualClock()
        let timeout = try Timeout(.seconds(2), name: "search", clock: clock)
        let sawCancellation = CallCounter()
        let task = Task {
            try await timeout.execute { () async throws -> Int in
                do {
                    try await untilCancelled()
                } catch is CancellationError {
                    sawCancellation.increment()
                    throw CancellationError()
                }
                return 1
            }
        }
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(1_999))
        #expect(sawCancellation.value == 0, "not yet")
        await clock.advance(by: .milliseconds(1))
        await #expect(throws: TimeoutError(policy: "search", timeout: .seconds(2))) { try await task.value }
        #expect(sawCancellation.value == 1, "the operation was cancelled")
    }

    @Test func passesTheOperationsOwnErrorThrough() async throws {
        let timeout = try Timeout(.seconds(1), clock: ManualClock())
        await #expect(throws: TestError(id: 7)) { try await timeout.execute { () async throws -> Int in throw TestError(id: 7) } }
    }

    @Test func anOuterCancellationIsNotReportedAsATimeout() async throws {
        let clock = ManualClock()
        let timeout = try Timeout(.seconds(10), clock: clock)
        let task = Task { try await timeout.execute { () async throws -> Int in try await untilCancelled(); return 1 } }
        #expect(await clock.waitForSleeper())
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func explainsItself() {
        #expect("\(TimeoutError(policy: "search", timeout: .milliseconds(1_500)))"
            == "timeout 'search': the operation did not finish within 1.5 s and was cancelled")
    }

    @Test func rejectsANonPositiveDuration() {
        #expect { try Timeout(.zero) } throws: { "\($0)".contains("timeout.duration: must be positive") }
    }
}
