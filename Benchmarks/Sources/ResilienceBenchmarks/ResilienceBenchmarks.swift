import Resilience
import Synchronization

/// Side-by-side figures for the Resilience library: each guarded call against the bare call of the same
/// closure, and rate-limiter decisions per second, in one interleaved run. Prints a table with ratios.
@main
struct ResilienceBenchmarks {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 7 : 7
        let iterations = 200_000

        let counter = Atomic<Int>(0)
        let operation: @Sendable () async throws -> Int = { counter.add(1, ordering: .relaxed).newValue }

        let retry = try Retry(RetryConfiguration(name: "bench"))
        let breaker = try CircuitBreaker(CircuitBreakerConfiguration(name: "bench"))
        let pipeline = ResiliencePipeline(
            try Retry(RetryConfiguration(name: "bench-pipeline")),
            try CircuitBreaker(CircuitBreakerConfiguration(name: "bench-pipeline")),
            try Bulkhead(BulkheadConfiguration(name: "bench-pipeline", maxConcurrentCalls: 100))
        )
        let policy = RateLimitPolicy(name: "bench", limit: 1_000_000_000, per: .seconds(1))
        let oneKeyStore = InMemoryRateLimitStore()
        let manyKeyStore = InMemoryRateLimitStore()
        let limiter = try RateLimiter(policy: policy, store: InMemoryRateLimitStore())
        let keys = (0..<10_000).map { "client-\($0)" }

        let calls: [Workload] = [
            Workload(name: "bare call") { n in
                var sum = 0
                for _ in 0..<n { sum &+= try await operation() }
                return sum
            },
            Workload(name: "retry") { n in
                var sum = 0
                for _ in 0..<n { sum &+= try await retry.execute(operation) }
                return sum
            },
            Workload(name: "circuit breaker (closed)") { n in
                var sum = 0
                for _ in 0..<n { sum &+= try await breaker.execute(operation) }
                return sum
            },
            Workload(name: "retry + breaker + bulkhead") { n in
                var sum = 0
                for _ in 0..<n { sum &+= try await pipeline.execute(operation) }
                return sum
            },
        ]
        let decisions: [Workload] = [
            Workload(name: "limiter, 1 key (store.decide)") { n in
                var allowed = 0
                for _ in 0..<n where oneKeyStore.decide(key: "client-1", policy: policy).allowed { allowed += 1 }
                return allowed
            },
            Workload(name: "limiter, 10,000 keys (store.decide)") { n in
                var allowed = 0
                for i in 0..<n where manyKeyStore.decide(key: keys[i % 10_000], policy: policy).allowed { allowed += 1 }
                return allowed
            },
            Workload(name: "limiter, 10,000 keys (RateLimiter.acquire)") { n in
                var allowed = 0
                for i in 0..<n where try await limiter.acquire(key: keys[i % 10_000]).allowed { allowed += 1 }
                return allowed
            },
        ]

        if let filter = arguments.firstIndex(of: "--only").map({ arguments[$0 + 1] }) {
            let chosen = (calls + decisions).filter { $0.name.contains(filter) }
            for result in try await measure(chosen, rounds: rounds, iterations: iterations * 5) {
                print(result.name, format(result.median), "ns/call")
            }
            return
        }
        print("Resilience benchmarks: \(rounds) interleaved rounds of \(iterations) calls, medians\n")
        let callResults = try await measure(calls, rounds: rounds, iterations: iterations)
        let bare = callResults[0].median
        print(pad("workload", 34), pad("ns/call", 10), pad("overhead ns", 12), pad("× bare", 8), "allocs/call")
        for result in callResults {
            print(
                pad(result.name, 34), pad(format(result.median), 10), pad(format(result.median - bare), 12),
                pad(format(result.median / bare, digits: 2), 8), format(result.allocationsPerCall, digits: 2)
            )
        }
        print("")
        let decisionResults = try await measure(decisions, rounds: rounds, iterations: iterations)
        print(pad("workload", 44), pad("ns/decision", 12), pad("decisions/s", 14), "allocs/decision")
        for result in decisionResults {
            print(
                pad(result.name, 44), pad(format(result.median), 12), pad(format(1e9 / result.median / 1e6, digits: 2) + " M", 14),
                format(result.allocationsPerCall, digits: 2)
            )
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func format(_ value: Double, digits: Int = 0) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? "\(Int(rounded))" : "\(rounded)"
    }
}
