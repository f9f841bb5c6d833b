import PropertyBased
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerPropertyTests {
    /// Interprets random numbers as a sequence of events: calls starting, calls ending in any order with any
    /// result, time passing, and now and then a manual command.
    static func run(_ script: [Int], permitted: Int, consecutive: Int?) -> (maxHalfOpenInFlight: Int, transitions: [CircuitBreakerTransition], trialSlotsUsed: [Int]) {
        let breaker = CircuitBreakerDriver(CircuitBreakerConfiguration(
            slowCallDurationThreshold: .seconds(2), slidingWindow: .countBased(5), minimumNumberOfCalls: 3,
            consecutiveFailureThreshold: consecutive, openDuration: .seconds(5), openDurationMultiplier: 2,
            permittedCallsInHalfOpen: permitted
        ))
        var outstanding: [CircuitBreaker.Ticket] = []
        var maxInFlight = 0
        var admittedPerHalfOpen: [UInt64: Int] = [:]
        for step in script {
            switch step % 100 {
            case 0..<40:
                if let ticket = breaker.acquire() {
                    outstanding.append(ticket)
                    if breaker.state == .halfOpen { admittedPerHalfOpen[ticket.generation, default: 0] += 1 }
                }
            case 40..<80 where !outstanding.isEmpty:
                let ticket = outstanding.remove(at: step % outstanding.count)
                let result: CircuitBreaker.CallResult = step % 3 == 0 ? .succeeded : (step % 3 == 1 ? .failed : .ignored)
                if result == .ignored, admittedPerHalfOpen[ticket.generation] != nil {
                    admittedPerHalfOpen[ticket.generation, default: 0] -= 1   // an ignored trial call frees its slot
                }
                breaker.finish(ticket, result, after: .milliseconds(step * 37 % 3_000))
            case 80..<96:
                breaker.advance(.milliseconds(step * 211 % 7_000))
            case 96:
                breaker.apply { $0.forceOpen() }
            case 97:
                breaker.apply { $0.close() }
            case 98:
                breaker.apply { $0.reset() }
            default:
                breaker.apply { $0.disable() }
            }
            maxInFlight = max(maxInFlight, breaker.machine.halfOpenInFlight)
            if breaker.state == .halfOpen {
                let inFlightNow = outstanding.filter { $0.generation == breaker.machine.generation }.count
                maxInFlight = max(maxInFlight, inFlightNow)
            }
        }
        return (maxInFlight, breaker.transitions, Array(admittedPerHalfOpen.values))
    }

    @Test func halfOpenNeverHasMoreThanItsPermittedCallsInFlight() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...999).array(of: 1...300), Gen.int(in: 1...5), Gen.bool) { script, permitted, consecutive in
            let result = Self.run(script, permitted: permitted, consecutive: consecutive ? 2 : nil)
            #expect(result.maxHalfOpenInFlight <= permitted)
            #expect(result.trialSlotsUsed.allSatisfy { $0 <= permitted })
        }
    }

    @Test func noEventSequenceLeavesTheTransitionTable() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...999).array(of: 1...300), Gen.bool) { script, consecutive in
            let result = Self.run(script, permitted: 2, consecutive: consecutive ? 2 : nil)
            for transition in result.transitions {
                #expect(CircuitBreakerTransition.legal.contains(transition), "illegal transition \(transition)")
            }
            for (previous, next) in zip(result.transitions, result.transitions.dropFirst()) {
                #expect(previous.to == next.from, "transitions chain: \(previous) then \(next)")
            }
        }
    }
}
