import MallocInterposerSwift

/// Times workloads in interleaved rounds (every round runs each workload once, in turn, so machine noise
/// hits them alike) and counts their heap allocations.
struct Workload {
    let name: String
    /// Runs the measured call `count` times.
    let run: (Int) async -> Void
}

struct Measured {
    let name: String
    let nanosecondsPerCall: Double
    let allocationsPerCall: Double
}

enum Measure {
    /// Median ns/call over `rounds` interleaved rounds of `calls` calls each (after a warm-up of a tenth),
    /// then allocations per call over `countedCalls` calls.
    static func interleaved(_ workloads: [Workload], rounds: Int, calls: Int, countedCalls: Int) async -> [Measured] {
        for workload in workloads { await workload.run(max(1, calls / 10)) }
        let clock = ContinuousClock()
        var perCall = Array(repeating: [Double](), count: workloads.count)
        for _ in 0..<rounds {
            for (position, workload) in workloads.enumerated() {
                let start = clock.now
                await workload.run(calls)
                let (seconds, attoseconds) = start.duration(to: clock.now).components
                perCall[position].append((Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(calls))
            }
        }
        var results: [Measured] = []
        for (position, workload) in workloads.enumerated() {
            MallocInterposerSwift.initialize()
            MallocInterposerSwift.hook()
            await workload.run(countedCalls)
            MallocInterposerSwift.unhook()
            let allocations = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(countedCalls)
            results.append(
                Measured(name: workload.name, nanosecondsPerCall: perCall[position].sorted()[rounds / 2], allocationsPerCall: allocations)
            )
        }
        return results
    }
}
