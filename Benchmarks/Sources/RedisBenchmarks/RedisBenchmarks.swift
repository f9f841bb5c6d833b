import BulwarkRedis
import Resilience

/// Rate-limit decisions through BulwarkRedis (`RedisRateLimitStore`, GCRA script over EVALSHA).
///
/// Usage: `RedisBenchmarks PORT throughput CONCURRENCY COUNT` prints `decisions/s`;
///        `RedisBenchmarks PORT latency CONCURRENCY COUNT` prints p50/p99/max of one decision.
/// `Benchmarks/redis.sh` runs it interleaved with `redis-benchmark` on the same script.
@main
struct RedisBenchmarks {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 5, let port = Int(arguments[1]), let concurrency = Int(arguments[3]), let count = Int(arguments[4]) else {
            print("usage: RedisBenchmarks PORT throughput|latency CONCURRENCY COUNT")
            return
        }
        let client = try RedisClient(configuration: RedisConfiguration(
            port: port, minimumConnections: 1, maximumConnections: 4, commandTimeout: .seconds(5), borrowTimeout: .seconds(5)
        ))
        let store = try RedisRateLimitStore(client: client, timeout: .seconds(5))
        let policy = RateLimitPolicy(name: "bench", limit: 1_000_000, per: .seconds(1))
        _ = try await store.acquire(key: "warm-up", policy: policy, cost: 1)   // connects and loads the script
        let perWorker = count / concurrency
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var samples: [Duration] = []
                    samples.reserveCapacity(perWorker)
                    for i in 0..<perWorker {
                        let began = clock.now
                        _ = try await store.acquire(key: "k\((worker * 7919 + i) % 10_000)", policy: policy, cost: 1)
                        samples.append(began.duration(to: clock.now))
                    }
                    return samples
                }
            }
            var all: [Duration] = []
            for try await samples in group { all += samples }
            return all
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if arguments[2] == "latency" {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> String {
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
                return String(Double(value.components.attoseconds / 1_000_000_000_000) / 1_000 + Double(value.components.seconds) * 1_000) + " ms"
            }
            print("p50 \(percentile(0.50)) p99 \(percentile(0.99)) max \(percentile(0.999999))")
        } else {
            print(Int(Double(latencies.count) / seconds))
        }
        await client.shutdown()
    }
}
