@testable import BulwarkPostgres
import PropertyBased
import Testing

@Suite("Server slots")
struct ServerSlotsTests {
    static let t0 = ContinuousClock.now
    static let timeout = Duration.seconds(5)

    @Test("grants up to the limit, then queues")
    func grantsThenQueues() {
        var slots = ServerSlots(limit: 2)
        #expect(slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout) == .granted)
        #expect(slots.acquire(2, server: "a", now: Self.t0, timeout: Self.timeout) == .granted)
        #expect(slots.acquire(3, server: "a", now: Self.t0, timeout: Self.timeout) == .queued)
        #expect(slots.inUse("a") == 2)
        #expect(slots.waiting("a") == 1)
        #expect(slots.nextDeadline == Self.t0 + Self.timeout)
        // Another server has its own slots.
        #expect(slots.acquire(4, server: "b", now: Self.t0, timeout: Self.timeout) == .granted)
        #expect(slots.inUse("b") == 1)
    }

    @Test("a release hands the slot to the oldest waiter, keeping the count")
    func releaseGrantsOldest() {
        var slots = ServerSlots(limit: 1)
        #expect(slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout) == .granted)
        #expect(slots.acquire(2, server: "a", now: Self.t0 + .seconds(1), timeout: Self.timeout) == .queued)
        #expect(slots.acquire(3, server: "a", now: Self.t0 + .seconds(2), timeout: Self.timeout) == .queued)
        #expect(slots.release(server: "a") == 2)
        #expect(slots.inUse("a") == 1)
        #expect(slots.waiting("a") == 1)
        #expect(slots.nextDeadline == Self.t0 + .seconds(7))
        #expect(slots.release(server: "a") == 3)
        #expect(slots.release(server: "a") == nil)
        #expect(slots.inUse("a") == 0)
        #expect(slots.nextDeadline == nil)
        #expect(slots.release(server: "a") == nil)
        #expect(slots.inUse("a") == 0)
    }

    @Test("waiters expire at their deadline, not before, earliest first")
    func expiry() {
        var slots = ServerSlots(limit: 1)
        _ = slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout)
        _ = slots.acquire(9, server: "b", now: Self.t0, timeout: Self.timeout)
        #expect(slots.acquire(2, server: "a", now: Self.t0, timeout: .seconds(3)) == .queued)
        #expect(slots.acquire(3, server: "b", now: Self.t0, timeout: .seconds(2)) == .queued)
        #expect(slots.acquire(4, server: "a", now: Self.t0, timeout: .seconds(10)) == .queued)
        #expect(slots.nextDeadline == Self.t0 + .seconds(2))
        #expect(slots.expire(now: Self.t0 + .milliseconds(1_999)).isEmpty)
        #expect(slots.expire(now: Self.t0 + .seconds(3)) == [3, 2])
        #expect(slots.waiting("a") == 1)
        #expect(slots.waiting("b") == 0)
        #expect(slots.nextDeadline == Self.t0 + .seconds(10))
        // The expired waiter 2 is never granted: the slot goes to 4.
        #expect(slots.release(server: "a") == 4)
        #expect(slots.inUse("a") == 1)
    }

    @Test("a cancelled waiter leaves the queue; cancelling others changes nothing")
    func cancel() {
        var slots = ServerSlots(limit: 1)
        _ = slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout)
        _ = slots.acquire(2, server: "a", now: Self.t0, timeout: Self.timeout)
        _ = slots.acquire(3, server: "a", now: Self.t0, timeout: Self.timeout)
        slots.cancel(2)
        slots.cancel(1)      // granted, not queued
        slots.cancel(42)     // unknown
        #expect(slots.waiting("a") == 1)
        #expect(slots.inUse("a") == 1)
        #expect(slots.release(server: "a") == 3)
        #expect(slots.expire(now: Self.t0 + .seconds(60)).isEmpty)
    }

    @Test("acquiring again for a queued waiter changes nothing; a limit below 1 counts as 1")
    func edges() {
        var slots = ServerSlots(limit: 0)
        #expect(slots.limit == 1)
        #expect(slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout) == .granted)
        #expect(slots.acquire(2, server: "a", now: Self.t0, timeout: Self.timeout) == .queued)
        #expect(slots.acquire(2, server: "a", now: Self.t0, timeout: Self.timeout) == .queued)
        #expect(slots.waiting("a") == 1)
        #expect(slots.release(server: "a") == 2)
        #expect(slots.release(server: "a") == nil)
    }

    @Test("a zero timeout expires at the next expire call")
    func zeroTimeout() {
        var slots = ServerSlots(limit: 1)
        _ = slots.acquire(1, server: "a", now: Self.t0, timeout: Self.timeout)
        #expect(slots.acquire(2, server: "a", now: Self.t0, timeout: .zero) == .queued)
        #expect(slots.expire(now: Self.t0) == [2])
    }

    // MARK: Property

    /// A reference model: who holds a slot and who waits, per server, in arrival order.
    struct Model {
        var held: [String: [UInt64]] = [:]
        var queued: [String: [(id: UInt64, deadline: ContinuousClock.Instant)]] = [:]
        var outcomes: [UInt64: [String]] = [:]
    }

    @Test("in use never exceeds the limit, grants are FIFO per server, every waiter ends exactly once")
    func matchesTheModel() async {
        let servers = ["a", "b", "c"]
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 1...3),
            Gen.int(in: 0...99).array(of: 1...120)
        ) { limit, steps in
            var slots = ServerSlots(limit: limit)
            var model = Model()
            var now = Self.t0
            var nextID: UInt64 = 1
            for step in steps {
                let server = servers[step % servers.count]
                switch step / servers.count % 6 {
                case 0, 1:
                    let id = nextID
                    nextID += 1
                    let timeout = Duration.milliseconds(step * 37 % 500)
                    let decision = slots.acquire(id, server: server, now: now, timeout: timeout)
                    let free = model.held[server, default: []].count < limit && model.queued[server, default: []].isEmpty
                    #expect(decision == (free ? .granted : .queued))
                    if decision == .granted {
                        model.held[server, default: []].append(id)
                        model.outcomes[id, default: []].append("granted")
                    } else {
                        model.queued[server, default: []].append((id, now + timeout))
                    }
                case 2:
                    guard var held = model.held[server], !held.isEmpty else { continue }
                    held.remove(at: step % held.count)
                    let granted = slots.release(server: server)
                    let oldest = model.queued[server, default: []].first?.id
                    #expect(granted == oldest)
                    if let granted {
                        model.queued[server]?.removeFirst()
                        held.append(granted)
                        model.outcomes[granted, default: []].append("granted")
                    }
                    model.held[server] = held
                case 3:
                    let waiting = model.queued[server, default: []]
                    guard !waiting.isEmpty else { continue }
                    let id = waiting[step % waiting.count].id
                    slots.cancel(id)
                    model.queued[server]?.removeAll { $0.id == id }
                    model.outcomes[id, default: []].append("cancelled")
                case 4:
                    now += .milliseconds(step * 13 % 300)
                default:
                    let expired = slots.expire(now: now)
                    var expected: [(id: UInt64, deadline: ContinuousClock.Instant)] = []
                    for name in servers {
                        expected += model.queued[name, default: []].filter { $0.deadline <= now }
                        model.queued[name]?.removeAll { $0.deadline <= now }
                    }
                    #expect(Set(expired) == Set(expected.map(\.id)))
                    #expect(expired.count == expected.count)
                    for id in expired { model.outcomes[id, default: []].append("expired") }
                }
                for name in servers {
                    #expect(slots.inUse(name) <= limit)
                    #expect(slots.inUse(name) == model.held[name, default: []].count)
                    #expect(slots.waiting(name) == model.queued[name, default: []].count)
                }
                let deadlines = model.queued.values.flatMap { $0.map(\.deadline) }
                #expect(slots.nextDeadline == deadlines.min())
            }
            // Drain: everyone still queued expires.
            let rest = slots.expire(now: now + .seconds(3_600))
            for id in rest { model.outcomes[id, default: []].append("expired") }
            #expect(slots.nextDeadline == nil)
            let endedOnce = (1..<nextID).allSatisfy { model.outcomes[$0]?.count == 1 }
            #expect(endedOnce)
        }
    }
}
