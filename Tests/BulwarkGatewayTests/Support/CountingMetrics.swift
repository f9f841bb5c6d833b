import CoreMetrics
import Synchronization

/// A metrics backend that only sums counters, by label and dimensions, for asserting on them.
final class CountingMetrics: MetricsFactory, Sendable {
    private let totals = Mutex<[String: Int64]>([:])

    /// The sum of every increment of counter `label` with exactly `dimensions`.
    func total(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
        totals.withLock { $0[Self.name(label, dimensions)] ?? 0 }
    }

    private static func name(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    private final class Handler: CounterHandler, Sendable {
        let name: String
        let metrics: CountingMetrics
        init(name: String, metrics: CountingMetrics) { self.name = name; self.metrics = metrics }
        func increment(by amount: Int64) { metrics.totals.withLock { $0[name, default: 0] += amount } }
        func reset() { metrics.totals.withLock { $0[name] = 0 } }
    }

    private final class Ignored: RecorderHandler, TimerHandler, Sendable {
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) {}
    }

    private let ignored = Ignored()

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(name: Self.name(label, dimensions), metrics: self)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { ignored }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { ignored }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
