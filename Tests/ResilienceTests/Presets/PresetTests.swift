import Clocks
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct PresetTests {
    @Test func databasePresetMatchesFieldPractice() {
        let preset = ResiliencePreset.database()
        #expect(preset.retry.maxAttempts == 5)
        #expect(preset.circuitBreaker.consecutiveFailureThreshold == 5)
        #expect(preset.callTimeout == .seconds(5))
        #expect(preset.circuitBreaker.openDuration == .seconds(30))
    }

    @Test func externalAPIPresetRetriesOnlyServerAndNetworkErrors() {
        struct Status: HTTPStatusReporting, Error { var httpStatus: Int }
        let preset = ResiliencePreset.externalAPI()
        #expect(preset.retry.maxAttempts == 3)
        #expect(preset.circuitBreaker.consecutiveFailureThreshold == 3)
        #expect(preset.callTimeout == .seconds(10))
        #expect(preset.circuitBreaker.openDuration == .seconds(60))
        #expect(preset.retry.shouldRetry(Status(httpStatus: 503)))
        #expect(preset.retry.shouldRetry(Status(httpStatus: 429)))
        #expect(!preset.retry.shouldRetry(Status(httpStatus: 404)))
        #expect(!preset.retry.shouldRetry(Status(httpStatus: 501)))
        #expect(preset.retry.shouldRetry(TimeoutError(policy: "x", timeout: .seconds(1))))
        #expect(!preset.retry.shouldRetry(TestError()))
        #expect(preset.retry.shouldRetryResult?(Status(httpStatus: 502)) == true)
        #expect(preset.retry.shouldRetryResult?(Status(httpStatus: 200)) == false)
    }

    @Test func filesystemPresetMatchesFieldPractice() {
        let preset = ResiliencePreset.filesystem()
        #expect(preset.retry.maxAttempts == 4)
        #expect(preset.circuitBreaker.consecutiveFailureThreshold == 4)
        #expect(preset.callTimeout == .seconds(5))
        #expect(preset.circuitBreaker.openDuration == .seconds(20))
    }

    @Test func presetsAreAlsoReachableFromEachConfiguration() {
        #expect(RetryConfiguration.database().maxAttempts == 5)
        #expect(RetryConfiguration.externalAPI().maxAttempts == 3)
        #expect(RetryConfiguration.filesystem().maxAttempts == 4)
        #expect(CircuitBreakerConfiguration.database().openDuration == .seconds(30))
        #expect(CircuitBreakerConfiguration.externalAPI().consecutiveFailureThreshold == 3)
        #expect(CircuitBreakerConfiguration.filesystem().slowCallDurationThreshold == .seconds(5))
    }

    @Test func aPresetPipelineCutsOffASlowCallAndCountsItAsAFailure() async throws {
        let clock = ManualClock()
        var preset = ResiliencePreset.database(name: "orders-db")
        preset.retry.maxAttempts = 1
        let pipeline = try preset.pipeline(clock: clock)
        let task = Task { try await pipeline.execute { () async throws -> Int in try await untilCancelled(); return 1 } }
        #expect(await clock.waitForSleeper())
        await clock.advance(by: .seconds(5))
        await #expect(throws: TimeoutError.self) { try await task.value }
    }
}
