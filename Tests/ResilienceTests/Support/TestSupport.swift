import Clocks
import InMemoryLogging
import Logging
import Metrics
import MetricsTestKit
import Synchronization
import Testing

@testable import Resilience

/// An error with an identity, for tests.
struct TestError: Error, Equatable, CustomStringConvertible {
    var id = 0
    var description: String { "test error \(id)" }
}

/// A thread-safe box of values recorded by concurrent code under test.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
}

/// A thread-safe counter.
final class CallCounter: Sendable {
    private let storage = Mutex(0)
    @discardableResult func increment(by amount: Int = 1) -> Int { storage.withLock { $0 += amount; return $0 } }
    var value: Int { storage.withLock { $0 } }
}

/// Lets other tasks run until `condition` holds; gives up after `maxYields` (no sleeping, no wall clock).
func yieldUntil(maxYields: Int = 100_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<maxYields {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

/// swift-clocks' `TestClock`, plus a register of the deadlines tasks are asleep on, so that a test can wait
/// until exactly the sleepers it expects have computed their deadlines before it advances time. (A sleeper
/// whose deadline has passed by the time it registers returns at once, so nothing can be missed.)
final class ManualClock: Clock, Sendable {
    typealias Instant = TestClock<Duration>.Instant

    let base = TestClock<Duration>()
    private let deadlines = Mutex<[UInt64: Instant]>([:])
    private let nextID = Mutex<UInt64>(0)

    var now: Instant { base.now }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = nextID.withLock { $0 += 1; return $0 }
        deadlines.withLock { $0[id] = deadline }
        defer { _ = deadlines.withLock { $0.removeValue(forKey: id) } }
        try await base.sleep(until: deadline, tolerance: tolerance)
    }

    /// Tasks asleep on a deadline still in the future.
    var sleepers: Int {
        let now = base.now
        return deadlines.withLock { $0.values.filter { $0 > now }.count }
    }

    /// Yields until at least `count` tasks sleep on future deadlines (bounded; no wall clock).
    func waitForSleepers(_ count: Int = 1) async -> Bool {
        await yieldUntil { self.sleepers >= count }
    }

    /// Yields until some task sleeps on a future deadline.
    func waitForSleeper() async -> Bool { await waitForSleepers(1) }

    func advance(by duration: Duration) async { await base.advance(by: duration) }

    /// Advances to each sleeper's deadline in turn until `finished()` holds (bounded). Unlike
    /// `TestClock.run()`, it has no wall-clock timeout that would cancel sleepers on a loaded machine.
    func drive(maxSteps: Int = 100_000, until finished: () -> Bool) async -> Bool {
        for _ in 0..<maxSteps {
            if finished() { return true }
            let now = base.now
            if let next = deadlines.withLock({ $0.values.filter { $0 > now }.min() }) {
                await base.advance(to: next)
            } else {
                await Task.yield()
            }
        }
        return finished()
    }
}

/// An operation that never finishes by itself: it waits until its task is cancelled, then throws
/// `CancellationError` (no clock involved).
func untilCancelled() async throws {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    for await _ in stream {}   // ends when the task is cancelled
    continuation.finish()      // (keeps the continuation alive until then)
    try Task.checkCancellation()
}

/// A logger that records into memory.
func recordingLogger(level: Logger.Level = .trace) -> (Logger, InMemoryLogHandler) {
    var handler = InMemoryLogHandler()
    handler.logLevel = level
    let logger = Logger(label: "test", factory: { _ in handler })
    return (logger, handler)
}

/// The process-wide test metrics backend, bootstrapped once. Policies created after the first use of
/// this property report into it; give each test's policy a unique name.
let testMetrics: TestMetrics = {
    let metrics = TestMetrics()
    MetricsSystem.bootstrap(metrics)
    return metrics
}()
