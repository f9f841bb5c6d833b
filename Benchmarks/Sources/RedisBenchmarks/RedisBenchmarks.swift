#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BulwarkRedis
import NIOCore
import NIOPosix
import Resilience

/// Load on a local Redis through BulwarkRedis's public API, for `Benchmarks/redis.sh`, which runs it
/// interleaved with `redis-benchmark` at the same connections and depth.
///
/// Usage:
/// - `RedisBenchmarks PORT run set|get|gcra CALLERS CONNECTIONS COUNT` prints
///   `OPS_PER_SECOND CPU_MICROSECONDS_PER_COMMAND LIVE_CONNECTIONS`. `CONNECTIONS` > 0 pins the pool
///   (minimum = maximum = CONNECTIONS, all open before timing); 0 uses the default pool (1…4, growing
///   with load). `set`/`get`: `SET bench:k<12 digits> value` / `GET bench:k<12 digits>` through
///   `RedisClient.send`, keys drawn at random from 10,000 (as `redis-benchmark -r 10000` does); `gcra`:
///   `RedisRateLimitStore.acquire` (EVALSHA of the GCRA script behind the failover breaker), Redis key
///   `bulwark:rl:bench:k<12 digits>`, always admitted.
/// - `RedisBenchmarks PORT connections COUNT [ROUNDS] [CALLERS]`: the `gcra` load with CALLERS (50)
///   callers on pinned pools of 2, 4 and 8 connections, in ROUNDS (3) interleaved rounds, medians.
/// - `RedisBenchmarks PORT throughput CALLERS COUNT`: decisions/s of `gcra` on the default pool.
/// - `RedisBenchmarks PORT latency CALLERS COUNT`: p50/p99/max of one `gcra` decision, default pool.
///
/// Each run first warms up (a tenth of COUNT, at least one command per caller, untimed), then times
/// COUNT commands spread over CALLERS concurrent tasks, each issuing its next command when the previous
/// one answers. CPU is this process's user + system time (`getrusage(RUSAGE_SELF)`: the same counters
/// as utime + stime in `/proc/self/stat`, in microseconds instead of clock ticks) over the timed part.
@main
struct RedisBenchmarks {
    static let usage = """
        usage: RedisBenchmarks PORT run set|get|gcra CALLERS CONNECTIONS COUNT
               RedisBenchmarks PORT connections COUNT [ROUNDS] [CALLERS]
               RedisBenchmarks PORT throughput|latency CALLERS COUNT
        """

    static func main() async throws {
        if let flag = getenv("NIO_TAKEOVER"), String(cString: flag) == "1" {
            print("takeover: \(NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor())")
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let port = Int(arguments[0]) else { fail(usage) }
        let numbers = arguments.dropFirst(2).map { Int($0) }
        switch arguments[1] {
        case "run":
            guard arguments.count == 6, let command = Command(rawValue: arguments[2]),
                  let callers = Int(arguments[3]), let connections = Int(arguments[4]), let count = Int(arguments[5]) else { fail(usage) }
            let result = try await measure(port: port, command: command, callers: callers, connections: connections, count: count)
            print(Int(result.opsPerSecond), format(result.cpuMicrosecondsPerOp), result.liveConnections)
        case "connections":
            guard (1...3).contains(numbers.count), let count = numbers[0] else { fail(usage) }
            let rounds = numbers.count > 1 ? numbers[1] ?? 3 : 3
            let callers = numbers.count > 2 ? numbers[2] ?? 50 : 50
            try await connectionSweep(port: port, count: count, rounds: rounds, callers: callers)
        case "throughput":
            guard numbers.count == 2, let callers = numbers[0], let count = numbers[1] else { fail(usage) }
            let result = try await measure(port: port, command: .gcra, callers: callers, connections: 0, count: count)
            print(Int(result.opsPerSecond))
        case "latency":
            guard numbers.count == 2, let callers = numbers[0], let count = numbers[1] else { fail(usage) }
            let result = try await measure(port: port, command: .gcra, callers: callers, connections: 0, count: count, keepLatencies: true)
            let sorted = result.latencies.sorted()
            func percentile(_ p: Double) -> String {
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
                return format(seconds(value) * 1_000) + " ms"
            }
            print("p50 \(percentile(0.50)) p99 \(percentile(0.99)) max \(percentile(0.999999))")
        default:
            fail(usage)
        }
    }

    enum Command: String {
        case set, get, gcra
    }

    struct Result {
        var opsPerSecond: Double
        var cpuMicrosecondsPerOp: Double
        var liveConnections: Int
        var latencies: [Duration] = []
    }

    /// `bench:k` and `k` followed by 0…9,999 in 12 digits, as `redis-benchmark`'s `__rand_int__` with `-r 10000`.
    static let keySuffixes: [String] = (0..<10_000).map { index in
        let digits = String(index)
        return "k" + String(repeating: "0", count: 12 - digits.count) + digits
    }

    static func measure(
        port: Int, command: Command, callers: Int, connections: Int, count: Int, keepLatencies: Bool = false
    ) async throws -> Result {
        var configuration = RedisConfiguration(port: port, commandTimeout: .seconds(5), borrowTimeout: .seconds(5))
        if connections > 0 {
            configuration.minimumConnections = connections
            configuration.maximumConnections = connections
        }
        let client = try RedisClient(configuration: configuration)
        let store = try RedisRateLimitStore(client: client, timeout: .seconds(5))
        let policy = RateLimitPolicy(name: "bench", limit: 1_000_000, per: .seconds(1))   // interval 1 µs, burst 1,000,000
        let setKeys = keySuffixes.map { RedisArgument("bench:" + $0) }
        let value: RedisArgument = "value"

        // One caller's loop: `perCaller` commands on random keys, the next sent when the previous answers.
        @Sendable func callerLoop(_ caller: Int, _ perCaller: Int, _ keep: Bool) async throws -> [Duration] {
            var random = SplitMix64(seed: UInt64(caller) &* 0x9E37_79B9 &+ UInt64(count))
            var samples: [Duration] = []
            if keep { samples.reserveCapacity(perCaller) }
            let clock = ContinuousClock()
            for _ in 0..<perCaller {
                let index = Int(random.next() % 10_000)
                let began = keep ? clock.now : nil
                switch command {
                case .set: try await client.send(["SET", setKeys[index], value])
                case .get: try await client.send(["GET", setKeys[index]])
                case .gcra: _ = try await store.acquire(key: keySuffixes[index], policy: policy, cost: 1)
                }
                if let began { samples.append(began.duration(to: clock.now)) }
            }
            return samples
        }
        func load(_ perCaller: Int, keep: Bool) async throws -> [Duration] {
            try await withThrowingTaskGroup(of: [Duration].self) { group in
                for caller in 0..<callers { group.addTask { try await callerLoop(caller, perCaller, keep) } }
                var all: [Duration] = []
                for try await samples in group { all += samples }
                return all
            }
        }

        // Warm up: connects (and, pinned, waits for every connection), loads the script, grows the default pool.
        _ = try await store.acquire(key: "warm-up", policy: policy, cost: 1)
        if connections > 0 {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while client.status.liveConnections < connections {
                guard clock.now < deadline else { fail("only \(client.status.liveConnections) of \(connections) connections opened") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        _ = try await load(max(1, count / 10 / callers), keep: false)

        let perCaller = max(1, count / callers)
        let clock = ContinuousClock()
        let cpuBefore = cpuMicroseconds()
        let start = clock.now
        let latencies = try await load(perCaller, keep: keepLatencies)
        let elapsed = seconds(start.duration(to: clock.now))
        let cpu = cpuMicroseconds() - cpuBefore
        let live = client.status.liveConnections
        if command == .gcra && store.backend != .redis { fail("the rate-limit store fell back to memory: the figures would not be Redis's") }
        await client.shutdown()
        let done = Double(perCaller * callers)
        return Result(opsPerSecond: done / elapsed, cpuMicrosecondsPerOp: cpu / done, liveConnections: live, latencies: latencies)
    }

    /// The `gcra` load with `callers` callers on pinned pools of 2, 4 and 8 connections, interleaved rounds.
    static func connectionSweep(port: Int, count: Int, rounds: Int, callers: Int) async throws {
        let sizes = [2, 4, 8]
        var results: [Int: [Result]] = [:]
        print("connections sweep: RedisRateLimitStore.acquire (GCRA, EVALSHA), \(callers) callers, \(count) decisions a run, \(rounds) interleaved rounds")
        for round in 1...max(1, rounds) {
            var line = "round \(round):"
            for size in round % 2 == 1 ? sizes : sizes.reversed() {
                let result = try await measure(port: port, command: .gcra, callers: callers, connections: size, count: count)
                results[size, default: []].append(result)
                line += "  \(size) conns \(Int(result.opsPerSecond))/s \(format(result.cpuMicrosecondsPerOp)) µs"
            }
            print(line)
        }
        print("")
        print("| pool connections (\(callers) callers, GCRA) | decisions/s | client CPU µs/decision |")
        print("| --- | --- | --- |")
        for size in sizes {
            let runs = results[size] ?? []
            print("| \(size) | \(Int(median(runs.map(\.opsPerSecond)))) | \(format(median(runs.map(\.cpuMicrosecondsPerOp)))) |")
        }
    }

    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { fail("getrusage failed") }
        func micros(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Two decimals.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func fail(_ message: String) -> Never {
        var standardError = StandardError()
        print(message, to: &standardError)
        exit(2)
    }
}

/// A fast, allocation-free generator for picking keys (the system generator is a syscall per draw on Linux).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        writeToStandardError(string)
    }
}

private func writeToStandardError(_ string: String) {
    var bytes = Array(string.utf8)
    _ = write(2, &bytes, bytes.count)
}
