import Clocks
import Testing

@testable import Resilience

/// A policy that records when it is entered and left.
private struct Tracing: ResiliencePolicy {
    let name: String
    let trace: Recorder<String>
    func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        trace.append("enter \(name)")
        defer { trace.append("leave \(name)") }
        return try await operation()
    }
}

@Suite(.timeLimit(.minutes(1))) struct PipelineTests {
    @Test func theFirstPolicyIsTheOutermost() async throws {
        let trace = Recorder<String>()
        let pipeline = ResiliencePipeline(Tracing(name: "a", trace: trace), Tracing(name: "b", trace: trace))
            .appending(Tracing(name: "c", trace: trace))
        _ = try await pipeline.execute { trace.append("call"); return 1 }
        #expect(trace.values == ["enter a", "enter b", "enter c", "call", "leave c", "leave b", "leave a"])
    }

    @Test func retryAroundABreakerWaitsForTheBreakerToHalfOpen() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2, openDuration: .seconds(30), permittedCallsInHalfOpen: 1), clock: clock)
        let pipeline = ResiliencePipeline(
            try Retry(RetryConfiguration(maxAttempts: 4, backoff: .constant(.milliseconds(10))), clock: clock),
            breaker
        )
        let calls = CallCounter()
        let task = Task {
            try await pipeline.execute { () async throws -> Int in
                let attempt = calls.increment()
                if attempt <= 2 { throw TestError(id: attempt) }
                return attempt
            }
        }
        // Attempts 1 and 2 fail (10 ms apart) and open the breaker. Attempt 3 is rejected by the open
        // breaker, whose error carries a retry-after hint: the retry waits out the rest of the breaker's
        // 30 s instead of burning its last attempt on another rejection.
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(10))
        #expect(await yieldUntil { calls.value == 2 })
        #expect(await clock.waitForSleeper())
        #expect(breaker.state == .open)
        await clock.advance(by: .milliseconds(10))
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(29_989))
        #expect(calls.value == 2, "not yet: the breaker opened 29.99 s before the rejected attempt's wait ends")
        await clock.advance(by: .milliseconds(1))
        #expect(try await task.value == 3)
        #expect(breaker.state == .closed)
    }

    @Test func aTotalTimeoutBoundsEveryAttemptTogether() async throws {
        let clock = ManualClock()
        let pipeline = ResiliencePipeline(
            try Timeout(.milliseconds(4_500), name: "total", clock: clock),
            try Retry(RetryConfiguration(maxAttempts: 100, backoff: .constant(.seconds(1))), clock: clock),
            try Timeout(.seconds(1), name: "attempt", clock: clock)
        )
        let calls = CallCounter()
        let task = Task {
            try await pipeline.execute { () async throws -> Int in
                calls.increment()
                try await untilCancelled()
                return 1
            }
        }
        // Attempts at 0, 2 and 4 s, each cut off after 1 s and followed by a 1 s backoff; the total
        // timeout ends it all at 4.5 s. Two sleepers at every step: the total timeout and the current
        // attempt timeout or backoff.
        for _ in 0..<4 {
            #expect(await clock.waitForSleepers(2))
            await clock.advance(by: .seconds(1))
        }
        #expect(await clock.waitForSleepers(2))
        await clock.advance(by: .milliseconds(500))
        await #expect(throws: TimeoutError(policy: "total", timeout: .milliseconds(4_500))) { try await task.value }
        #expect(calls.value == 3)
    }

    @Test func fallbackAnswersForTheChosenErrors() async throws {
        let breaker = try CircuitBreaker(clock: ManualClock())
        breaker.forceOpen()
        let pipeline = ResiliencePipeline(breaker)
        let cached = Fallback<[String]>(handling: { $0 is CircuitBreakerOpenError }, value: ["cached"])
        #expect(try await pipeline.execute(fallback: cached) { ["live"] } == ["cached"])

        let onlyTimeouts = Fallback<[String]>(handling: { $0 is TimeoutError }) { _ in ["stale"] }
        await #expect(throws: CircuitBreakerOpenError.self) { try await pipeline.execute(fallback: onlyTimeouts) { ["live"] } }
    }

    @Test func fallbackNeverSwallowsCancellation() async throws {
        let fallback = Fallback<Int>(value: 0)
        await #expect(throws: CancellationError.self) { try await fallback.execute { throw CancellationError() } }
    }

    @Test func fallbackCanComputeFromTheError() async throws {
        let fallback = Fallback<String> { error in "degraded: \(error)" }
        #expect(try await fallback.execute { throw TestError(id: 3) } == "degraded: test error 3")
    }
}
