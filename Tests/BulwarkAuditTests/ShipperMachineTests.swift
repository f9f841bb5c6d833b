@testable import BulwarkAudit
import Resilience
import Testing

/// The shipper's decisions, without I/O.
@Suite struct ShipperMachineTests {
    struct Zero: RandomNumberGenerator { mutating func next() -> UInt64 { 0 } }

    @Test func aFullBatchShipsAgainAtOnceAndAPartialOneWaitsForTheInterval() {
        var machine = AuditShipperMachine(interval: .seconds(1), backoff: .exponential(base: .milliseconds(100), maximum: .seconds(2)))
        #expect(machine.shipped(count: 500, full: true) == (.shipAgain, nil))
        #expect(machine.state == .shipping)
        #expect(machine.shipped(count: 12, full: false) == (.wait(.seconds(1)), nil))
        #expect(machine.state == .caughtUp)
        #expect(machine.shipped(count: 0, full: false) == (.wait(.seconds(1)), nil))
    }

    @Test func failuresAreLoggedOnceBackOffAndRecoveryIsLoggedOnce() {
        var machine = AuditShipperMachine(interval: .seconds(1), backoff: .exponential(base: .milliseconds(100), maximum: .milliseconds(350)))
        var generator = Zero()
        #expect(machine.failed("connection refused", retryAfter: nil, using: &generator) == (.wait(.milliseconds(100)), .startedFailing("connection refused")))
        #expect(machine.failed("connection refused", retryAfter: nil, using: &generator) == (.wait(.milliseconds(200)), nil))
        #expect(machine.failed("timed out", retryAfter: nil, using: &generator) == (.wait(.milliseconds(350)), nil))
        // The breaker's wait wins when it is longer.
        #expect(machine.failed("breaker open", retryAfter: .seconds(5), using: &generator) == (.wait(.seconds(5)), nil))
        #expect(machine.state == .failing && machine.lastError == "breaker open" && machine.failedAttempts == 4)
        #expect(machine.shipped(count: 500, full: true) == (.shipAgain, .recovered(failedAttempts: 4)))
        #expect(machine.state == .shipping && machine.lastError == nil)
        #expect(machine.failed("again", retryAfter: nil, using: &generator) == (.wait(.milliseconds(100)), .startedFailing("again")))
    }
}
