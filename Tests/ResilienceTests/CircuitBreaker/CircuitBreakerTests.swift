import Clocks
import Metrics
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerTests {
    @Test func rejectsFastWithAnErrorNamingTheBreakerAndTheWait() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(name: "payments", consecutiveFailureThreshold: 2, openDuration: .seconds(30)), clock: clock)
        for _ in 0..<2 {
            await #expect(throws: TestError.self) { try await breaker.execute { () async throws -> Int in throw TestError() } }
        }
        await clock.advance(by: .seconds(12))
        let calls = CallCounter()
        do {
            _ = try await breaker.execute { calls.increment() }
            Issue.record("expected a rejection")
        } catch let error as CircuitBreakerOpenError {
            #expect(error.breaker == "payments")
            #expect(error.state == .open)
            #expect(error.retryAfter == .seconds(18))
            #expect("\(error)" == "circuit breaker 'payments' is open: calls are rejected for another 18 s, then trial calls decide whether it closes")
        }
        #expect(calls.value == 0, "a rejected call does not run")
    }

    @Test func emitsTransitionsAndRecordedCallsAsEvents() async throws {
        let clock = ManualClock()
        let events = Recorder<CircuitBreakerEvent>()
        let breaker = try CircuitBreaker(
            CircuitBreakerConfiguration(name: "db", consecutiveFailureThreshold: 1, openDuration: .seconds(5), permittedCallsInHalfOpen: 1, onEvent: events.append),
            clock: clock
        )
        _ = try? await breaker.execute { () async throws -> Int in throw TestError() }
        _ = try? await breaker.execute { 1 }
        await clock.advance(by: .seconds(5))
        #expect(try await breaker.execute { 2 } == 2)
        #expect(events.values == [
            .callRecorded(breaker: "db", outcome: .failure, duration: .zero),
            .stateChanged(breaker: "db", transition: .init(from: .closed, to: .open)),
            .callRejected(breaker: "db", state: .open),
            .stateChanged(breaker: "db", transition: .init(from: .open, to: .halfOpen)),
            .callRecorded(breaker: "db", outcome: .success, duration: .zero),
            .stateChanged(breaker: "db", transition: .init(from: .halfOpen, to: .closed)),
        ])
    }

    @Test func predicatesDecideWhatCountsAsFailure() async throws {
        struct NotFound: Error {}
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 2,
            isFailure: { !($0 is NotFound) },
            isIgnored: { $0 is CancellationError || ($0 as? TestError)?.id == 99 },
            isFailureResult: { ($0 as? Int) == 503 }
        ), clock: ManualClock())
        for _ in 0..<5 { _ = try? await breaker.execute { () async throws -> Int in throw NotFound() } }
        #expect(breaker.state == .closed, "NotFound is not a failure")
        for _ in 0..<5 { _ = try? await breaker.execute { () async throws -> Int in throw TestError(id: 99) } }
        #expect(breaker.state == .closed, "ignored errors do not count")
        #expect(breaker.windowTotals.calls == 5, "the five NotFound calls counted as successes, the ignored ones not at all")
        _ = try await breaker.execute { 503 }
        _ = try await breaker.execute { 503 }
        #expect(breaker.state == .open, "two 503 results in a row")
    }

    @Test func acquireAndReportWorksWithoutAClosure() async throws {
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2), clock: ManualClock())
        try breaker.acquire().failed(TestError())
        try breaker.acquire().failed()
        #expect(throws: CircuitBreakerOpenError.self) { try breaker.acquire() }
    }

    @Test func manualControlsChangeTheState() async throws {
        let breaker = try CircuitBreaker(clock: ManualClock())
        breaker.forceOpen()
        #expect(breaker.state == .forcedOpen)
        #expect {
            try breaker.acquire()
        } throws: { error in
            "\(error)".contains("forced open") && "\(error)".contains("closed or reset by hand")
        }
        breaker.close()
        #expect(breaker.state == .closed)
        breaker.disable()
        #expect(breaker.state == .disabled)
        breaker.reset()
        #expect(breaker.state == .closed)
    }

    @Test func reportsStateAndCallsAsMetrics() async throws {
        let metrics = testMetrics
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(name: "metrics-cb", consecutiveFailureThreshold: 1), clock: ManualClock())
        _ = try await breaker.execute { 1 }
        _ = try? await breaker.execute { () async throws -> Int in throw TestError() }
        _ = try? await breaker.execute { 1 }
        #expect(try metrics.expectCounter("bulwark_circuit_breaker_calls_total", [("breaker", "metrics-cb"), ("outcome", "success")]).totalValue == 1)
        #expect(try metrics.expectCounter("bulwark_circuit_breaker_calls_total", [("breaker", "metrics-cb"), ("outcome", "failure")]).totalValue == 1)
        #expect(try metrics.expectCounter("bulwark_circuit_breaker_calls_total", [("breaker", "metrics-cb"), ("outcome", "rejected")]).totalValue == 1)
        #expect(try metrics.expectGauge("bulwark_circuit_breaker_state", [("breaker", "metrics-cb"), ("state", "open")]).lastValue == 1)
        #expect(try metrics.expectGauge("bulwark_circuit_breaker_state", [("breaker", "metrics-cb"), ("state", "closed")]).lastValue == 0)
        #expect(try metrics.expectCounter("bulwark_circuit_breaker_transitions_total", [("breaker", "metrics-cb"), ("from", "closed"), ("to", "open")]).totalValue == 1)
    }

    @Test func reportsEveryConfigurationProblemAtOnce() {
        let configuration = CircuitBreakerConfiguration(failureRateThreshold: 0, slidingWindow: .countBased(0), permittedCallsInHalfOpen: 0)
        let issues = configuration.validationIssues().map(\.description)
        #expect(issues == [
            "circuitBreaker.failureRateThreshold: must be in 0<…≤100 (%), got 0.0",
            "circuitBreaker.slidingWindow: a count-based window needs ≥ 1 call, got 0",
            "circuitBreaker.permittedCallsInHalfOpen: must be ≥ 1, got 0",
        ])
        #expect(throws: ConfigurationError.self) { try CircuitBreaker(configuration) }
    }
}
