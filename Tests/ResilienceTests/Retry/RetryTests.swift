import Clocks
import Logging
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct RetryTests {
    /// Fails `failures` times with TestError(id: attempt), then returns the attempt number.
    static func flaky(_ calls: CallCounter, failures: Int) -> @Sendable () async throws -> Int {
        {
            let attempt = calls.increment()
            if attempt <= failures { throw TestError(id: attempt) }
            return attempt
        }
    }

    @Test func returnsAtOnceWhenTheFirstAttemptSucceeds() async throws {
        let calls = CallCounter()
        let retry = try Retry(RetryConfiguration(maxAttempts: 3), clock: ManualClock())
        #expect(try await retry.execute(Self.flaky(calls, failures: 0)) == 1)
        #expect(calls.value == 1)
    }

    @Test func waitsTheBackoffBetweenAttemptsOnTheInjectedClock() async throws {
        let clock = ManualClock()
        let calls = CallCounter()
        let retry = try Retry(
            RetryConfiguration(maxAttempts: 5, backoff: .exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(1))),
            clock: clock
        )
        let task = Task { try await retry.execute(Self.flaky(calls, failures: 2)) }

        #expect(await clock.waitForSleeper())
        #expect(calls.value == 1)
        await clock.advance(by: .milliseconds(99))
        #expect(calls.value == 1, "not yet: the first backoff is 100 ms")
        await clock.advance(by: .milliseconds(1))
        #expect(await yieldUntil { calls.value == 2 })

        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(199))
        #expect(calls.value == 2, "not yet: the second backoff is 200 ms")
        await clock.advance(by: .milliseconds(1))
        #expect(try await task.value == 3)
    }

    @Test func throwsTheLastErrorAndEmitsExhaustedWhenAttemptsRunOut() async throws {
        let clock = ManualClock()
        let calls = CallCounter()
        let events = Recorder<RetryEvent>()
        let retry = try Retry(
            RetryConfiguration(name: "inventory", maxAttempts: 3, backoff: .constant(.milliseconds(10)), onEvent: events.append),
            clock: clock
        )
        let done = CallCounter()
        let task = Task { defer { done.increment() }; return try await retry.execute(Self.flaky(calls, failures: 10)) }
        #expect(await clock.drive { done.value > 0 })
        await #expect(throws: TestError(id: 3)) { try await task.value }
        #expect(calls.value == 3)
        let exhausted = events.values.compactMap { event -> RetryExhaustion? in
            if case .exhausted(let value) = event { return value }
            return nil
        }
        #expect(exhausted.count == 1)
        #expect(exhausted.first?.attempts == 3)
        #expect(exhausted.first?.policy == "inventory")
        #expect(exhausted.first?.reason == .attemptsExhausted)
        #expect((exhausted.first?.lastError as? TestError)?.id == 3)
    }

    @Test func logsEachFailedAttemptWithTheDelay() async throws {
        let clock = ManualClock()
        let (logger, handler) = recordingLogger()
        let retry = try Retry(
            RetryConfiguration(maxAttempts: 5, backoff: .exponential(base: .milliseconds(200), multiplier: 2, maximum: .seconds(5)), logger: logger),
            clock: clock
        )
        let calls = CallCounter()
        let done = CallCounter()
        let task = Task { defer { done.increment() }; return try await retry.execute(Self.flaky(calls, failures: 5)) }
        #expect(await clock.drive { done.value > 0 })
        _ = try? await task.value
        let messages = handler.entries.map { "\($0.message)" }
        #expect(messages.contains("attempt 1/5 failed: test error 1; retrying in 200 ms"))
        #expect(messages.contains("attempt 2/5 failed: test error 2; retrying in 400 ms"))
        #expect(messages.contains("all 5 attempts failed; last: test error 5"))
        #expect(handler.entries.first { "\($0.message)".hasPrefix("all 5") }?.level == .error)
    }

    @Test func doesNotRetryWhatThePredicateRejects() async throws {
        let calls = CallCounter()
        let events = Recorder<RetryEvent>()
        let retry = try Retry(
            RetryConfiguration(maxAttempts: 5, shouldRetry: { ($0 as? TestError)?.id != 1 }, onEvent: events.append),
            clock: ManualClock()
        )
        await #expect(throws: TestError(id: 1)) { try await retry.execute(Self.flaky(calls, failures: 3)) }
        #expect(calls.value == 1)
        guard case .gaveUp(let exhaustion) = events.values.last else { Issue.record("expected gaveUp"); return }
        #expect(exhaustion.reason == .notRetryable)
    }

    @Test func doesNotRetryCancellationByDefault() async throws {
        let calls = CallCounter()
        let retry = try Retry(RetryConfiguration(maxAttempts: 5), clock: ManualClock())
        await #expect(throws: CancellationError.self) {
            try await retry.execute { () async throws -> Int in
                calls.increment()
                throw CancellationError()
            }
        }
        #expect(calls.value == 1)
    }

    @Test func stopsWhenCancelledDuringBackoff() async throws {
        let clock = ManualClock()
        let calls = CallCounter()
        let retry = try Retry(RetryConfiguration(maxAttempts: 5, backoff: .constant(.seconds(10))), clock: clock)
        let task = Task { try await retry.execute(Self.flaky(calls, failures: 10)) }
        #expect(await clock.waitForSleeper())
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        await clock.advance(by: .seconds(60))
        #expect(calls.value == 1, "no attempt after cancellation")
    }

    @Test func retriesResultsThePredicateRejectsAndReturnsTheLastOne() async throws {
        let clock = ManualClock()
        let calls = CallCounter()
        let retry = try Retry(
            RetryConfiguration(maxAttempts: 3, backoff: .constant(.milliseconds(1)), shouldRetryResult: { ($0 as? Int).map { $0 < 10 } ?? false }),
            clock: clock
        )
        let done = CallCounter()
        let task = Task { defer { done.increment() }; return try await retry.execute { calls.increment() } }
        #expect(await clock.drive { done.value > 0 })
        #expect(try await task.value == 3, "the last result is returned when attempts run out")
        #expect(calls.value == 3)

        let succeeding = Task { defer { done.increment() }; return try await retry.execute { calls.increment() * 5 } }
        #expect(await clock.drive { done.value > 1 })
        #expect(try await succeeding.value == 20, "4 × 5 = 20 passes the predicate")
    }

    struct Throttled: RetryAfterProviding, Equatable {
        var retryAfter: Duration?
    }

    @Test func waitsAtLeastTheRetryAfterHint() async throws {
        let clock = ManualClock()
        let calls = CallCounter()
        let retry = try Retry(RetryConfiguration(maxAttempts: 2, backoff: .constant(.milliseconds(100))), clock: clock)
        let task = Task {
            try await retry.execute { () async throws -> Int in
                if calls.increment() == 1 { throw Throttled(retryAfter: .seconds(3)) }
                return 7
            }
        }
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .milliseconds(2_999))
        #expect(calls.value == 1, "not yet: the hint asks for 3 s, more than the 100 ms backoff")
        await clock.advance(by: .milliseconds(1))
        #expect(try await task.value == 7)
    }

    @Test func givesUpWhenTheHintIsLongerThanTheMaximum() async throws {
        let calls = CallCounter()
        let retry = try Retry(RetryConfiguration(maxAttempts: 5, maximumRetryAfter: .seconds(30)), clock: ManualClock())
        await #expect(throws: Throttled(retryAfter: .seconds(31))) {
            try await retry.execute { () async throws -> Int in
                calls.increment()
                throw Throttled(retryAfter: .seconds(31))
            }
        }
        #expect(calls.value == 1)
    }

    @Test func aSpentBudgetStopsRetrying() async throws {
        let clock = ManualClock()
        let budget = RetryBudget(percent: 0, minimumPerSecond: 1, window: .seconds(2), clock: clock)   // 2 retries per window
        let events = Recorder<RetryEvent>()
        let retry = try Retry(
            RetryConfiguration(maxAttempts: 10, backoff: .none, budget: budget, onEvent: events.append),
            clock: clock
        )
        let calls = CallCounter()
        await #expect(throws: TestError.self) { try await retry.execute(Self.flaky(calls, failures: 100)) }
        #expect(calls.value == 3, "the first attempt and the two retries the budget allows")
        guard case .gaveUp(let exhaustion) = events.values.last else { Issue.record("expected gaveUp"); return }
        #expect(exhaustion.reason == .budgetExhausted)
    }

    @Test func rejectsAnInvalidConfigurationWithTheKeyPath() {
        #expect {
            try Retry(RetryConfiguration(maxAttempts: 0))
        } throws: { error in
            "\(error)".contains("retry.maxAttempts: must be ≥ 1, got 0")
        }
    }
}
