@testable import BulwarkGateway
import Testing

/// The exchange machine's random event sequences (``ExchangeShellSimulator``) reach upgrades: `101`s
/// naming the protocol asked for (or another), relays that end, clients that go away meanwhile, with
/// every invariant kept (each attempt settled once, an upgraded connection never pooled).
@Suite("Exchange state machine: upgrades under any event sequence")
struct UpgradePropertyTests {
    @Test("random sequences switch protocols, end relays, and keep every invariant")
    func upgradesReached() {
        var seen: Set<String> = []
        var switched = 0
        for seed in UInt64(0)..<2_000 {
            var simulator = ExchangeShellSimulator(seed: 0x0716_0000 &+ seed)
            simulator.run(steps: 60)
            guard simulator.violations.isEmpty else {
                Issue.record("seed \(0x0716_0000 &+ seed): \(simulator.violations.joined(separator: "; "))\n\(simulator.trace.suffix(60).joined(separator: "\n"))")
                return
            }
            seen.formUnion(simulator.actionsSeen)
            switched += simulator.upgradesSwitched
        }
        #expect(seen.isSuperset(of: ["switchProtocols", "finishUpgrade"]), "reached: \(seen.sorted())")
        #expect(switched > 0, "no upgrade switched")
    }
}
