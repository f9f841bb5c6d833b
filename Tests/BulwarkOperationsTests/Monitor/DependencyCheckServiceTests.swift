import BulwarkTestSupport
@testable import BulwarkOperations
import Logging
import Synchronization
import Testing

/// The check runner on a manual clock: when probes run, how long they took, and what a probe that
/// never answers counts as. The probes here are scripted: the real ones have their own tests.
@Suite(.timeLimit(.minutes(1))) struct DependencyCheckServiceTests {
    /// Answers with the next scripted outcome, or waits until released.
    final class ScriptedProbe: DependencyProbe {
        private struct State {
            var calls = 0
            var outcome: ProbeOutcome = .passed(detail: "ok")
            var held: [CheckedContinuation<Void, Never>] = []
            var holding = false
            var shutDown = false
        }
        private let state = Mutex(State())

        var calls: Int { state.withLock { $0.calls } }
        var waiting: Int { state.withLock { $0.held.count } }
        var shutDown: Bool { state.withLock { $0.shutDown } }
        func answer(_ outcome: ProbeOutcome) { state.withLock { $0.outcome = outcome } }
        func hold() { state.withLock { $0.holding = true } }

        /// Lets every held probe answer.
        func release() {
            let held = state.withLock { state in
                state.holding = false
                defer { state.held = [] }
                return state.held
            }
            for continuation in held { continuation.resume() }
        }

        func probe(timeout: Duration) async -> ProbeOutcome {
            await withCheckedContinuation { continuation in
                let holding = state.withLock { state in
                    state.calls += 1
                    if state.holding { state.held.append(continuation) }
                    return state.holding
                }
                if !holding { continuation.resume() }
            }
            return state.withLock { $0.outcome }
        }

        func shutdown() async { state.withLock { $0.shutDown = true } }
    }

    static func service(_ probe: ScriptedProbe, clock: ManualClock, interval: Duration = .seconds(10), timeout: Duration = .seconds(2)) -> (DependencyCheckService, DependencyResults) {
        let check = DependencyCheck(name: "database", kind: "postgres", critical: true, interval: interval, timeout: timeout, probe: probe)
        let results = DependencyResults(names: ["database"])
        var logger = Logger(label: "test.checks")
        logger.logLevel = .critical
        return (DependencyCheckService(kind: "postgres", checks: [check], results: results, clock: clock, logger: logger), results)
    }

    @Test func aCheckRunsAtOnceThenEveryIntervalAndItsProbeIsShutDownAtTheEnd() async throws {
        let clock = ManualClock(), probe = ScriptedProbe()
        let (service, results) = Self.service(probe, clock: clock)
        let running = Task { try await service.run() }
        #expect(try await eventually { probe.calls == 1 && clock.sleepers == 1 })
        #expect(results.all.first?.error == nil)
        clock.advance(by: .seconds(9))
        #expect(probe.calls == 1)
        probe.answer(.failed("connection refused"))
        clock.advance(by: .seconds(1))
        #expect(try await eventually { results.all.first?.error == "connection refused" })
        #expect(probe.calls == 2)
        running.cancel()
        _ = await running.result
        #expect(probe.shutDown)
    }

    @Test func theRoundTripIsMeasuredOnTheInjectedClock() async throws {
        let clock = ManualClock(), probe = ScriptedProbe()
        probe.hold()
        let (service, results) = Self.service(probe, clock: clock)
        let running = Task { try await service.run() }
        #expect(try await eventually { probe.waiting == 1 })
        clock.advance(by: .milliseconds(300))
        probe.release()
        #expect(try await eventually { results.all.count == 1 })
        #expect(results.all.first?.latency == .milliseconds(300))
        #expect(results.all.first?.detail == "ok")
        running.cancel()
        _ = await running.result
    }

    @Test func aProbeThatNeverAnswersFailsOnceItsTimeoutHasPassed() async throws {
        let clock = ManualClock(), probe = ScriptedProbe()
        probe.hold()
        let (service, results) = Self.service(probe, clock: clock, timeout: .seconds(2))
        let running = Task { try await service.run() }
        #expect(try await eventually { probe.waiting == 1 && clock.sleepers == 1 })
        clock.advance(by: .seconds(2))
        #expect(results.all.isEmpty)
        clock.advance(by: .milliseconds(500))
        #expect(try await eventually { results.all.first?.error == "no answer within 2 s" })
        #expect(results.all.first?.isUp == false)
        probe.release()
        running.cancel()
        _ = await running.result
    }
}
