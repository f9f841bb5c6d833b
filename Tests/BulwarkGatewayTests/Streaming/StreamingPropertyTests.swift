@testable import BulwarkGateway
import Testing

/// The exchange machine's random event sequences (``ExchangeShellSimulator``) reach streaming responses:
/// streams start, their idle timer is re-armed and cuts, and late whole-request deadlines are shrugged off,
/// with every invariant kept (a stream is only cut after the idle timeout without bytes).
@Suite("Exchange state machine: streaming under any event sequence")
struct StreamingPropertyTests {
    @Test("random sequences start streams, re-arm and cut them, and keep every invariant")
    func streamingReached() {
        var seen: Set<String> = []
        var cut = 0
        for seed in UInt64(0)..<2_000 {
            var simulator = ExchangeShellSimulator(seed: 0x5EED_0000 &+ seed)
            simulator.run(steps: 60)
            guard simulator.violations.isEmpty else {
                Issue.record("seed \(0x5EED_0000 &+ seed): \(simulator.violations.joined(separator: "; "))\n\(simulator.trace.suffix(60).joined(separator: "\n"))")
                return
            }
            seen.formUnion(simulator.actionsSeen)
            cut += simulator.streamsCutIdle
        }
        #expect(seen.isSuperset(of: ["startStreaming", "armStreamIdleTimer"]), "reached: \(seen.sorted())")
        #expect(cut > 0, "no stream was cut by its idle timer")
    }
}
