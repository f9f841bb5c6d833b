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

extension TestClock<Duration> {
    /// Waits (by yielding) until some task is suspended in `sleep` on this clock.
    func waitForSleeper(maxTries: Int = 10_000) async -> Bool {
        for _ in 0..<maxTries {
            do { try await checkSuspension() } catch { return true }
        }
        return false
    }
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
