@testable import BulwarkGateway
import Testing

@Suite("Upgraded connection machine")
struct UpgradedConnectionStateMachineTests {
    typealias Machine = UpgradedConnectionStateMachine

    @Test("upgrading arms the idle timer, and the lifetime timer only when there is a max_lifetime")
    func timersAtUpgrade() {
        var plain = Machine(idleTimeout: 100, maxLifetime: nil)
        #expect(plain.upgraded(now: 1_000) == .armTimers(idle: 1_100, lifetime: nil, drain: nil))
        var limited = Machine(idleTimeout: 100, maxLifetime: 5_000)
        #expect(limited.upgraded(now: 1_000, drainingUntil: 3_000) == .armTimers(idle: 1_100, lifetime: 6_000, drain: 3_000))
    }

    @Test("the idle timer re-arms from the last bytes, and closes when none came for idle_timeout")
    func idle() {
        var machine = Machine(idleTimeout: 100, maxLifetime: nil)
        _ = machine.upgraded(now: 0)
        #expect(machine.bytesRelayed(now: 60) == .none)
        #expect(machine.idleTimerFired(now: 100) == .arm(.idle, at: 160))
        #expect(machine.idleTimerFired(now: 159) == .arm(.idle, at: 160))
        #expect(machine.idleTimerFired(now: 160) == .close(.idleTimeout))
        #expect(machine.state == .closed(.idleTimeout))
        #expect(machine.clientClosed() == .none)
    }

    @Test("either side closing closes the other once, with its outcome")
    func sides() {
        var machine = Machine(idleTimeout: 100, maxLifetime: nil)
        _ = machine.upgraded(now: 0)
        #expect(machine.targetClosed() == .close(.targetClosed))
        #expect(machine.clientClosed() == .none)
        var other = Machine(idleTimeout: 100, maxLifetime: nil)
        _ = other.upgraded(now: 0)
        #expect(other.clientClosed() == .close(.clientClosed))
        #expect(other.idleTimerFired(now: 1_000) == .none)
    }

    @Test("max_lifetime closes a busy connection; without one the timer means nothing")
    func lifetime() {
        var machine = Machine(idleTimeout: 100, maxLifetime: 500)
        _ = machine.upgraded(now: 0)
        _ = machine.bytesRelayed(now: 499)
        #expect(machine.lifetimeTimerFired() == .close(.maxLifetime))
        var unlimited = Machine(idleTimeout: 100, maxLifetime: nil)
        _ = unlimited.upgraded(now: 0)
        #expect(unlimited.lifetimeTimerFired() == .none)
    }

    @Test("a drain gives the connection drain_timeout, once, then closes it")
    func drain() {
        var machine = Machine(idleTimeout: 10_000, maxLifetime: nil)
        _ = machine.upgraded(now: 0)
        #expect(machine.drainTimerFired() == .none)
        #expect(machine.drainStarted(now: 50, drainTimeout: 200) == .arm(.drain, at: 250))
        #expect(machine.drainStarted(now: 60, drainTimeout: 200) == .none)
        #expect(machine.drainTimerFired() == .close(.drained))
    }

    @Test("random event sequences close at most once and nothing happens after the close")
    func randomSequences() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var machine = Machine(idleTimeout: 100, maxLifetime: Bool.random(using: &generator) ? 300 : nil)
            var now: Int64 = 0
            var closes = 0
            if case .close = machine.upgraded(now: now, drainingUntil: Bool.random(using: &generator) ? 200 : nil) { closes += 1 }
            for _ in 0..<20 {
                now += Int64.random(in: 0...80, using: &generator)
                let action: Machine.Action = switch Int.random(in: 0..<7, using: &generator) {
                case 0: machine.bytesRelayed(now: now)
                case 1: machine.idleTimerFired(now: now)
                case 2: machine.lifetimeTimerFired()
                case 3: machine.drainStarted(now: now, drainTimeout: 100)
                case 4: machine.drainTimerFired()
                case 5: Int.random(in: 0..<4, using: &generator) == 0 ? machine.clientClosed() : .none
                default: Int.random(in: 0..<4, using: &generator) == 0 ? machine.targetClosed() : .none
                }
                if case .close(let outcome) = action {
                    closes += 1
                    #expect(machine.state == .closed(outcome))
                }
                if case .arm(.idle, let deadline) = action { #expect(deadline > now) }
            }
            #expect(closes <= 1)
        }
    }
}
