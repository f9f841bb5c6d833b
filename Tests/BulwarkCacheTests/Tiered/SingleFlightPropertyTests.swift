import NIOCore
import PropertyBased
import Synchronization
import Testing

@testable import BulwarkCache

@Suite struct SingleFlightPropertyTests {
    /// However callers interleave, no two loads of one key ever run at the same time, and every caller
    /// gets the value of a load that started no earlier than its own call.
    @Test func neverRunsTwoLoadsForOneKeyAtOnce() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...3).array(of: 1...60), Gen.int(in: 0...2).array(of: 60)) { keys, pauses in
            let flights = SingleFlight<Int>()
            let observer = FlightObserver()
            await withTaskGroup(of: Void.self) { group in
                for (index, key) in keys.enumerated() {
                    let pause = pauses[index % pauses.count]
                    group.addTask {
                        _ = try? await flights.run("k\(key)") {
                            let number = observer.started(key)
                            for _ in 0..<pause { await Task.yield() }
                            observer.ended(key)
                            return number
                        }
                    }
                }
            }
            #expect(!observer.overlapped)
            #expect(flights.count == 0, "every flight landed")
            #expect(observer.loads <= keys.count)
        }
    }
}

/// Records loads per key and whether two of one key ever ran at once.
final class FlightObserver: Sendable {
    private let state = Mutex<(running: [Int: Int], overlapped: Bool, loads: Int)>(([:], false, 0))

    func started(_ key: Int) -> Int {
        state.withLock { state in
            state.running[key, default: 0] += 1
            if state.running[key]! > 1 { state.overlapped = true }
            state.loads += 1
            return state.loads
        }
    }

    func ended(_ key: Int) { state.withLock { $0.running[key]! -= 1 } }
    var overlapped: Bool { state.withLock { $0.overlapped } }
    var loads: Int { state.withLock { $0.loads } }
}

@Suite struct CachedValueTests {
    @Test func theEnvelopeRoundTrips() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000), Gen.int(in: 1...100_000), Gen.int(in: 0...3), Gen.int(in: 0...300)) { start, ttl, tagCount, size in
            let options = CacheEntryOptions(
                ttl: .milliseconds(ttl), staleWhileRevalidate: .milliseconds(ttl / 2), staleIfError: .milliseconds(ttl * 3),
                tags: (0..<tagCount).map { "tag-\($0)-é" }
            )
            let value = CachedValue(bytes: ByteBuffer(repeating: UInt8(size % 251), count: size), loadedAt: Int64(start), loadMilliseconds: 12, options: options)
            #expect(CachedValue(encoded: value.encoded()) == value)
        }
    }

    @Test func foreignOrTruncatedBytesAreAMiss() {
        let value = CachedValue(bytes: ByteBuffer(string: "v"), loadedAt: 0, loadMilliseconds: 0, options: CacheEntryOptions(ttl: .seconds(1), tags: ["a"]))
        var encoded = value.encoded()
        #expect(CachedValue(encoded: ByteBuffer(string: "plain text")) == nil)
        encoded.moveWriterIndex(to: 30)
        #expect(CachedValue(encoded: encoded) == nil)
    }

    @Test func windowsFollowEachOther() {
        let value = CachedValue(bytes: ByteBuffer(), loadedAt: 1000, loadMilliseconds: 0, options: CacheEntryOptions(ttl: .seconds(1), staleWhileRevalidate: .seconds(1), staleIfError: .seconds(1)))
        #expect(value.state(at: 1999) == .fresh)
        #expect(value.state(at: 2000) == .staleWhileRevalidate)
        #expect(value.state(at: 3000) == .staleIfError)
        #expect(value.state(at: 4000) == .expired)
    }

    @Test func earlyRefreshIsLikelierNearTheEndAndForSlowLoads() {
        let slow = CachedValue(bytes: ByteBuffer(), loadedAt: 0, loadMilliseconds: 500, options: CacheEntryOptions(ttl: .seconds(60)))
        let quick = CachedValue(bytes: ByteBuffer(), loadedAt: 0, loadMilliseconds: 1, options: CacheEntryOptions(ttl: .seconds(60)))
        // u = e^-1: the lead is exactly load time × β.
        let u = 0.36787944117144233
        #expect(slow.refreshesEarly(at: 59_600, beta: 1, uniform: u))
        #expect(!slow.refreshesEarly(at: 59_400, beta: 1, uniform: u))
        #expect(!quick.refreshesEarly(at: 59_600, beta: 1, uniform: u))
        #expect(!slow.refreshesEarly(at: 59_600, beta: 0, uniform: u), "β 0 turns it off")
    }
}
