import Foundation

/// The L1 cache's figures: hit ratios of W-TinyLFU against plain LRU on skewed and scan-polluted traces
/// (seeded, so every run replays the same requests), then the cost of a hit in time and allocations.
@main
struct CacheBenchmarks {
    static func main() throws {
        let arguments = CommandLine.arguments
        let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 7 : 7
        let keyCount = 100_000
        let requests = 1_000_000

        print("Hit ratio, cache-aside (get, set on miss); W-TinyLFU = MemoryCache with 1 shard; same entry capacity")
        print(pad("trace", 26) + pad("cache", 16) + pad("W-TinyLFU", 11) + pad("LRU", 11) + "difference")
        let zipfTraces = [0.8, 0.99].map { Trace.zipf(skew: $0, keyCount: keyCount, count: requests, seed: 42) }
        let scanned = Trace.scanPolluted(
            skew: 0.99, keyCount: keyCount, burst: 40_000, scanLength: 10_000, count: requests, seed: 43
        )
        for trace in zipfTraces + [scanned] {
            for share in [0.01, 0.1] {
                let capacity = Int(Double(trace.popularKeys) * share)
                let result = try HitRatio.measure(trace, capacity: capacity)
                let difference = (result.tinyLFU - result.lru) * 100
                print(
                    pad(trace.name, 26) + pad("\(capacity) (\(Int(share * 100))%)", 16)
                        + pad(percent(result.tinyLFU), 11) + pad(percent(result.lru), 11)
                        + String(format: "%+.1f points", difference)
                )
            }
        }

        print("\nL1 hit cost (one thread, median of \(rounds) rounds of 2,000,000 gets; allocations over 100,000 gets)")
        for cost in [try HitCost.bytes(rounds: rounds), try HitCost.byteBuffer(rounds: rounds)] {
            print(
                pad(cost.name, 50) + String(format: "%7.1f ns/get   %.2f allocations/get", cost.nanosecondsPerGet, cost.allocationsPerGet)
            )
        }
    }

    static func percent(_ ratio: Double) -> String { String(format: "%.2f%%", ratio * 100) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
