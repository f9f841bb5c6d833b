@testable import BulwarkGateway
import Foundation
import Testing

/// The exchange machine under random event sequences, the shell's part played by
/// ``ExchangeShellSimulator``. A failure prints its seed; `BULWARK_EXCHANGE_SEED=<seed>` replays it first.
@Suite("Exchange state machine: any event sequence")
struct ExchangeStateMachinePropertyTests {
    static let sequences = 4_000
    static let steps = 60

    @Test("every permit settled once, at most one response, one request head per attempt, nothing upstream after the answer")
    func randomSequences() {
        let replay = ProcessInfo.processInfo.environment["BULWARK_EXCHANGE_SEED"].flatMap { UInt64($0) }
        let base = replay ?? UInt64.random(in: 0...UInt64.max)
        var seen: Set<String> = []
        for offset in 0..<UInt64(Self.sequences) {
            let seed = base &+ offset
            var simulator = ExchangeShellSimulator(seed: seed)
            simulator.run(steps: Self.steps)
            guard simulator.violations.isEmpty else {
                Issue.record("seed \(seed): \(simulator.violations.joined(separator: "; "))\n\(simulator.trace.suffix(60).joined(separator: "\n"))")
                return
            }
            seen.formUnion(simulator.actionsSeen)
        }
        // The sequences reach every way an exchange goes on or ends (base seed \(base)).
        let expected: Set<String> = ["admit", "checkRateLimit", "connect", "askRetryBudget", "retry", "pickTarget", "finishResponse", "answer", "abortResponse", "abandon", "forwardRequestBody", "forwardResponseBody", "consultCache", "serveFromCache"]
        #expect(expected.isSubset(of: seen), "base seed \(base): never reached \(expected.subtracting(seen))")
    }

    @Test("the simulator's checks fire on a double settlement, a second answer and work upstream after it")
    func simulatorCatchesBreaches() {
        var simulator = ExchangeShellSimulator(seed: 1)
        let completion = ExchangeStateMachine.ResponseCompletion(requestComplete: true, close: false, unreadBody: 0)
        simulator.perform(.settle(AttemptSettlement(attempt: 0, outcome: .ignored, reusesConnection: false)))
        #expect(simulator.violations.count == 1)
        simulator.perform(.answer(.noRoute, nil, completion))
        #expect(simulator.violations.count == 1)
        simulator.perform(.answer(.noRoute, nil, completion))
        #expect(simulator.violations.last == "a second end of the response")
        simulator.perform(.pickTarget(excluding: 0))
        #expect(simulator.violations.contains("pick after the client got its answer"))

        var cached = ExchangeShellSimulator(seed: 2)
        cached.perform(.serveFromCache(.staleOnError, nil, completion))
        #expect(cached.violations.contains("a stale response served with none to fall back on"))
    }
}
