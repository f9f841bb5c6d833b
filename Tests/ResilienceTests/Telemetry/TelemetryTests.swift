import Clocks
import Metrics
import MetricsTestKit
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct TelemetryTests {
    @Test func retryCountsCallsByOutcomeAndRetries() async throws {
        let metrics = testMetrics
        let clock = ManualClock()
        let retry = try Retry(RetryConfiguration(name: "metrics-retry", maxAttempts: 2, backoff: .none), clock: clock)
        _ = try await retry.execute { 1 }
        let calls = CallCounter()
        _ = try await retry.execute { () async throws -> Int in
            if calls.increment() == 1 { throw TestError() }
            return 2
        }
        _ = try? await retry.execute { () async throws -> Int in throw TestError() }
        func outcomes(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("bulwark_retry_calls_total", [("policy", "metrics-retry"), ("outcome", outcome)]).totalValue
        }
        #expect(try outcomes("success") == 1)
        #expect(try outcomes("success_after_retry") == 1)
        #expect(try outcomes("exhausted") == 1)
        #expect(try metrics.expectCounter("bulwark_retry_retries_total", [("policy", "metrics-retry")]).totalValue == 2)
    }

    @Test func limiterCountsDecisions() async throws {
        let metrics = testMetrics
        let limiter = try RateLimiter(policy: RateLimitPolicy(name: "metrics-rl", limit: 1, per: .seconds(60)), clock: ManualClock())
        _ = try await limiter.acquire(key: "a")
        _ = try await limiter.acquire(key: "a")
        _ = try await limiter.acquire(key: "a")
        #expect(try metrics.expectCounter("bulwark_ratelimit_decisions_total", [("policy", "metrics-rl"), ("decision", "allowed")]).totalValue == 1)
        #expect(try metrics.expectCounter("bulwark_ratelimit_decisions_total", [("policy", "metrics-rl"), ("decision", "limited")]).totalValue == 2)
    }

    @Test func bulkheadCountsRejectionsAndReportsConcurrency() async throws {
        let metrics = testMetrics
        let bulkhead = try Bulkhead(BulkheadConfiguration(name: "metrics-bh", maxConcurrentCalls: 1), clock: ManualClock())
        let permit = try await bulkhead.acquire()
        #expect(try metrics.expectGauge("bulwark_bulkhead_concurrent_calls", [("bulkhead", "metrics-bh")]).lastValue == 1)
        _ = try? await bulkhead.execute { 1 }
        permit.release()
        #expect(try metrics.expectCounter("bulwark_bulkhead_rejections_total", [("bulkhead", "metrics-bh"), ("reason", "full")]).totalValue == 1)
        #expect(try metrics.expectGauge("bulwark_bulkhead_concurrent_calls", [("bulkhead", "metrics-bh")]).lastValue == 0)
    }

    @Test func timeoutCountsTimeouts() async throws {
        let metrics = testMetrics
        let clock = ManualClock()
        let timeout = try Timeout(.seconds(1), name: "metrics-to", clock: clock)
        let task = Task { try await timeout.execute { () async throws -> Int in try await untilCancelled(); return 1 } }
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .seconds(1))
        _ = try? await task.value
        #expect(try metrics.expectCounter("bulwark_timeout_total", [("policy", "metrics-to")]).totalValue == 1)
    }

    @Test func breakerLogsOpeningAtWarning() async throws {
        let (logger, handler) = recordingLogger()
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(name: "logged", consecutiveFailureThreshold: 1, logger: logger), clock: ManualClock())
        _ = try? await breaker.execute { () async throws -> Int in throw TestError() }
        let line = handler.entries.first { "\($0.message)".contains("closed → open") }
        #expect(line?.level == .warning)
        #expect("\(line?.message ?? "")" == "circuit breaker 'logged' closed → open")
    }
}
