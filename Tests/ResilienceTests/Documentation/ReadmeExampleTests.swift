import BulwarkTestSupport
import Foundation
import Testing

import Resilience

/// The README's example, compiled and run. `readmeShowsThisExample` keeps the two copies identical.
enum ReadmeExample {
    struct PaymentDeclined: Error {}

    static func checkout(chargeCard: @escaping @Sendable () async throws -> String) async throws -> String {
        // example:start
        let payments = ResiliencePipeline(
            try Retry(RetryConfiguration(
                name: "payments",
                maxAttempts: 3,
                backoff: .exponential(base: .milliseconds(200), maximum: .seconds(2)).jittered(.full),
                shouldRetry: { !($0 is PaymentDeclined) }          // a declined card stays declined
            )),
            try CircuitBreaker(CircuitBreakerConfiguration(
                name: "payments",
                failureRateThreshold: 50,                           // open at ≥ 50 % failures…
                minimumNumberOfCalls: 20,                           // …over at least 20 calls
                openDuration: .seconds(30)
            ))
        )
        let receipt = try await payments.execute { try await chargeCard() }
        // example:end
        return receipt
    }
}

@Suite(.timeLimit(.minutes(1))) struct ReadmeExampleTests {
    @Test func theExampleRetriesAFlakyCall() async throws {
        let calls = CallCounter()
        let receipt = try await ReadmeExample.checkout {
            if calls.increment() == 1 { throw TestError(id: 1) }
            return "receipt-42"
        }
        #expect(receipt == "receipt-42")
        #expect(calls.value == 2)
    }

    @Test func theExampleDoesNotRetryADeclinedCard() async throws {
        let calls = CallCounter()
        await #expect(throws: ReadmeExample.PaymentDeclined.self) {
            try await ReadmeExample.checkout { calls.increment(); throw ReadmeExample.PaymentDeclined() }
        }
        #expect(calls.value == 1)
    }

    @Test func readmeShowsThisExample() throws {
        let (inReadme, inTest) = try DocumentedExample.copies(named: "example", sourceFile: #filePath)
        #expect(!inTest.isEmpty)
        #expect(inReadme == inTest, "README.md's example differs from the compiled one in \(#fileID)")
    }
}
