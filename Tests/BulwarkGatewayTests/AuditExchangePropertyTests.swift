@testable import BulwarkGateway
import Foundation
import Testing

/// The exchange machine on audited routes under random event sequences (``ExchangeShellSimulator`` with
/// every request audited): besides the machine's usual invariants, no audited response head is written
/// in `sync` durability before its `request` record is reported on disk, a failed record under
/// `on_failure: reject` is a 503 whose attempt is settled once, and under `pass` the response is released.
/// A failure prints its seed; `BULWARK_EXCHANGE_SEED=<seed>` replays it first.
@Suite("Exchange state machine: audited, any event sequence")
struct AuditExchangePropertyTests {
    static let sequences = 3_000
    static let steps = 60

    @Test("no audited head before its record, 503 or release on a failed record, every permit settled once")
    func randomAuditedSequences() {
        let replay = ProcessInfo.processInfo.environment["BULWARK_EXCHANGE_SEED"].flatMap { UInt64($0) }
        let base = replay ?? UInt64.random(in: 0...UInt64.max)
        var seen: Set<String> = []
        var rejections = 0
        var releases = 0
        for offset in 0..<UInt64(Self.sequences) {
            let seed = base &+ offset
            var simulator = ExchangeShellSimulator(seed: seed, auditing: true)
            simulator.run(steps: Self.steps)
            guard simulator.violations.isEmpty else {
                Issue.record("seed \(seed): \(simulator.violations.joined(separator: "; "))\n\(simulator.trace.suffix(60).joined(separator: "\n"))")
                return
            }
            seen.formUnion(simulator.actionsSeen)
            rejections += simulator.auditRejections
            releases += simulator.auditReleases
        }
        let expected: Set<String> = ["recordAudit", "releaseResponse", "answer", "finishResponse", "abortResponse", "abandon", "retry"]
        #expect(expected.isSubset(of: seen), "base seed \(base): never reached \(expected.subtracting(seen))")
        #expect(rejections > 0 && releases > 0, "base seed \(base): \(rejections) rejections, \(releases) releases")
    }

    @Test("the simulator's audit check fires on a head written before its record")
    func simulatorCatchesEarlyHead() {
        var simulator = ExchangeShellSimulator(seed: 3, auditing: true)
        simulator.perform(.releaseResponse(head: ExchangeStateMachineTests.head(.ok), body: [], .flush))
        #expect(simulator.violations.contains("released before its record was reported"))
    }
}
