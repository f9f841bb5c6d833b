import MallocInterposerSwift

/// One workload: a name and an async body that performs `iterations` calls and returns a checksum
/// (so that the optimiser cannot drop the work).
struct Workload: Sendable {
    let name: String
    let body: @Sendable (_ iterations: Int) async throws -> Int
}

/// Results of interleaved rounds: nanoseconds per call for each round, and allocations per call.
struct Measurement {
    let name: String
    var nanosecondsPerCall: [Double] = []
    var allocationsPerCall: Double = 0

    var median: Double {
        let sorted = nanosecondsPerCall.sorted()
        return sorted[sorted.count / 2]
    }
}

/// Runs every workload once per round, in turn, so that machine noise hits all of them alike.
func measure(_ workloads: [Workload], rounds: Int, iterations: Int) async throws -> [Measurement] {
    var results = workloads.map { Measurement(name: $0.name) }
    var checksum = 0
    for workload in workloads { checksum &+= try await workload.body(iterations / 10) }   // warm-up
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        for (index, workload) in workloads.enumerated() {
            let start = clock.now
            checksum &+= try await workload.body(iterations)
            let elapsed = start.duration(to: clock.now)
            let (seconds, attoseconds) = elapsed.components
            let nanos = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
            results[index].nanosecondsPerCall.append(nanos / Double(iterations))
        }
    }
    let counted = 10_000
    for (index, workload) in workloads.enumerated() {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        checksum &+= try await workload.body(counted)
        MallocInterposerSwift.unhook()
        results[index].allocationsPerCall = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(counted)
    }
    if checksum == 42 { print("") }   // keeps the checksum alive
    return results
}
