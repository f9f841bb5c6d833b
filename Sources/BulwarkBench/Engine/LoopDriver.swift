import NIOCore
import NIOPosix

/// Drives the connections of one event loop through a run: sends on schedule (open model) or back to
/// back (closed model), times answers, and counts everything in a ``RunTally``. Every method runs on
/// its event loop; nothing here allocates per request.
final class LoopDriver {
    /// What this loop does, fixed for the run.
    struct Plan {
        var target: BenchTarget
        var model: LoadSettings.Model
        /// This loop's share of the connections at the start.
        var initialConnections: Int
        /// The most connections this loop may open (equal to `initialConnections` for a fixed pool).
        var maximumConnections: Int
        var timeoutNanoseconds: UInt64
        /// This loop's position among the run's loops: it sends the schedule's sends `index`, `index + count`, …
        var loopIndex: Int
        var loopCount: Int
    }

    private struct Slot {
        enum State { case connecting, idle, busy, down }
        var state = State.connecting
        var handler: BenchConnectionHandler?
        var generation = 0
        /// When the outstanding request was written (uptime nanoseconds).
        var sentAt: UInt64 = 0
        /// When it was meant to be written: equal to `sentAt` in the closed model.
        var intendedAt: UInt64 = 0
        /// Connection attempts in a row that failed, or ended before a single answer: sets the wait
        /// before the next one, so a target that refuses or drops connections is not stormed.
        var failuresInARow = 0
        /// Answers received on the current connection.
        var answered = 0
    }

    /// Sends later than this after their intended time count as missed.
    static let lateness: UInt64 = 1_000_000
    /// The first wait before reopening a connection that failed; it doubles up to ``longestReconnectDelay``.
    static let reconnectDelay: Int64 = 50
    static let longestReconnectDelay: Int64 = 2_000
    /// Sends handled per timer callback before the loop lets other work (answers, timers) run.
    static let sendsPerTick = 1_024
    /// Sends a loop lets wait for a connection; beyond that they are counted as unsent at once.
    static let maximumWaiting = 1_000_000

    let loop: any EventLoop
    private let plan: Plan
    private var mix: RequestMix
    private var slots: [Slot] = []
    private var idle: [Int] = []
    /// Intended send times waiting for a free connection (open model).
    private var pending = CircularBuffer<UInt64>(initialCapacity: 1024)
    private var tally: RunTally
    private var startAt: UInt64 = 0
    private var endAt: UInt64 = 0
    private var nextSend = 0
    private var nextSendAt: UInt64?
    private var ended = false
    private var handedOver = false
    private var finished: EventLoopPromise<RunTally>?
    private var sweep: RepeatedTask?
    private var connectedPromise: EventLoopPromise<Void>?
    private var connecting = 0
    private var busy = 0
    private var open = 0
    private var peakOpen = 0
    private var tickScheduled = false

    init(loop: any EventLoop, plan: Plan, requests: [LoadRequest]) {
        self.loop = loop
        self.plan = plan
        self.mix = RequestMix(requests, hostHeader: plan.target.hostHeader)
        self.tally = RunTally(stageCount: plan.model.stageCount)
    }

    // MARK: - Lifecycle

    /// Opens the initial connections; succeeds when each has either connected or failed once.
    func connect() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Void.self)
        connectedPromise = promise
        if plan.initialConnections == 0 { promise.succeed() }
        for _ in 0..<plan.initialConnections { openSlot() }
        return promise.futureResult
    }

    /// Starts sending at `start` (uptime nanoseconds) and stops at `end`; the future holds the tally once
    /// every outstanding request has been answered or timed out.
    func run(start: UInt64, end: UInt64) -> EventLoopFuture<RunTally> {
        loop.preconditionInEventLoop()
        startAt = start
        endAt = end
        let promise = loop.makePromise(of: RunTally.self)
        finished = promise
        sweep = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [loopBound = NIOLoopBound(self, eventLoop: loop)] _ in
            loopBound.value.sweepTimeouts()
        }
        switch plan.model {
        case .closed:
            schedule(.startClosed, at: start)
        case .open:
            advanceSchedule()
            if let due = nextSendAt { scheduleTick(at: due) }
        }
        schedule(.end, at: end)
        return promise.futureResult
    }

    /// Live figures for the progress line: responses and errors so far, and the last second's p99.
    func progress() -> LoadProgress.LoopShare {
        var responses = 0
        var errors = 0
        for stage in tally.stages {
            responses += stage.responses
            errors += stage.failures.reduce(0, +) + stage.statusErrors.clientErrors + stage.statusErrors.serverErrors
        }
        let second = tally.seconds.count >= 2 ? tally.seconds[tally.seconds.count - 2] : tally.seconds.last
        return LoadProgress.LoopShare(responses: responses, errors: errors, recentP99Microseconds: second.map { $0.latency.valueAtPercentile(99) } ?? 0, pending: pending.count)
    }

    /// Hands over the per-second tallies before `second` (nothing once the run's tally was handed over).
    func takeSeconds(before second: Int) -> [(second: Int, tally: SecondTally)] {
        handedOver ? [] : tally.takeSeconds(before: second)
    }

    fileprivate func wake(_ purpose: Wake.Purpose) {
        switch purpose {
        case .tick:
            tickScheduled = false
            tick()
        case .startClosed:
            while let slot = idle.popLast() { sendNext(on: slot, intendedAt: now()) }
        case .end: reachEnd()
        case .reconnect(let slot, let generation): reopen(slot, generation: generation)
        }
    }

    private func schedule(_ purpose: Wake.Purpose, at instant: UInt64) {
        _ = try? loop.assumeIsolated().scheduleCallback(at: NIODeadline.uptimeNanoseconds(instant), handler: Wake(driver: self, purpose: purpose))
    }

    private func scheduleTick(at instant: UInt64) {
        guard !tickScheduled else { return }
        tickScheduled = true
        schedule(.tick, at: instant)
    }

    // MARK: - Open model

    private func tick() {
        guard !ended else { return }
        let current = now()
        var handled = 0
        while let due = nextSendAt, due <= current, due < endAt, handled < Self.sendsPerTick {
            if let slot = idle.popLast() {
                sendNext(on: slot, intendedAt: due)
            } else if pending.count < Self.maximumWaiting {
                pending.append(due)
            } else {
                let stage = stage(at: due)
                tally.stages[stage].missed += 1
                tally.stages[stage].unsent += 1
                tally.recordFailure(.unsent, stage: stage, second: second(at: current))
            }
            advanceSchedule()
            handled += 1
        }
        growPoolIfNeeded()
        if let due = nextSendAt, due < endAt {
            scheduleTick(at: handled == Self.sendsPerTick ? current : due)  // behind: let answers and timers run first
        }
    }

    /// Without a fixed pool, opens one more connection while the connections in use plus the sends
    /// waiting exceed three quarters of the pool: Little's law (rate × observed latency) read off the loop
    /// itself, before sends have to wait. Never while a connection is being opened or waits to reconnect.
    private func growPoolIfNeeded() {
        guard slots.count < plan.maximumConnections, connecting == 0, open == slots.count else { return }
        if (busy + pending.count) * 4 > slots.count * 3 { openSlot() }
    }

    private func advanceSchedule() {
        guard case .open(let schedule) = plan.model else { return }
        let global = nextSend * plan.loopCount + plan.loopIndex
        nextSend += 1
        if let seconds = schedule.time(ofSend: global) {
            nextSendAt = startAt + UInt64(seconds * 1e9)
        } else {
            nextSendAt = nil
        }
    }

    // MARK: - Sending and answers

    private func sendNext(on slot: Int, intendedAt: UInt64) {
        guard let handler = slots[slot].handler else { return }
        let sentAt = now()
        if sentAt > intendedAt + Self.lateness { tally.stages[stage(at: intendedAt)].missed += 1 }
        slots[slot].state = .busy
        busy += 1
        slots[slot].sentAt = sentAt
        slots[slot].intendedAt = intendedAt
        let index = mix.next()
        handler.send(mix.prepared[index].bytes, expectsBody: mix.prepared[index].expectsBody)
    }

    func responseArrived(slot: Int, generation: Int, status: Int, keepAlive: Bool) {
        guard slots[slot].generation == generation, slots[slot].state == .busy else { return }
        let current = now()
        let from = slots[slot].intendedAt
        tally.recordResponse(stage: stage(at: from), second: second(at: current), status: status, latencyMicroseconds: (current &- from) / 1000)
        slots[slot].state = .idle
        busy -= 1
        slots[slot].answered += 1
        slots[slot].failuresInARow = 0
        if keepAlive {
            becameFree(slot)
        } else {
            retire(slot)
            if !ended { openSlot(replacing: slot) }
        }
        finishIfDone()
    }

    func connectionClosed(slot: Int, generation: Int, failure: TransportFailure?) {
        guard slots[slot].generation == generation else { return }
        if let failure, slots[slot].state == .busy {
            tally.recordFailure(failure, stage: stage(at: slots[slot].intendedAt), second: second(at: now()))
        }
        retire(slot)
        if slots[slot].answered == 0 { slots[slot].failuresInARow += 1 }
        if !ended { reconnect(slot) }
        finishIfDone()
    }

    /// A connection is free: it takes the oldest waiting send, or the next request in the closed model.
    private func becameFree(_ slot: Int) {
        if let intended = pending.popFirst() {
            sendNext(on: slot, intendedAt: intended)
        } else if case .closed = plan.model, !ended {
            sendNext(on: slot, intendedAt: now())
        } else {
            idle.append(slot)
        }
    }

    private func sweepTimeouts() {
        let current = now()
        for slot in slots.indices where slots[slot].state == .busy && current &- slots[slot].sentAt > plan.timeoutNanoseconds {
            tally.recordFailure(.timeout, stage: stage(at: slots[slot].intendedAt), second: second(at: current))
            retire(slot)
            slots[slot].failuresInARow += 1
            if !ended { reconnect(slot) }
        }
        finishIfDone()
    }

    // MARK: - Connections

    private func openSlot(replacing existing: Int? = nil) {
        let slot: Int
        if let existing {
            slot = existing
        } else {
            slot = slots.count
            slots.append(Slot())
        }
        slots[slot].generation += 1
        slots[slot].state = .connecting
        slots[slot].answered = 0
        connecting += 1
        let generation = slots[slot].generation
        let loopBound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                let driver = loopBound.value
                let handler = BenchConnectionHandler(driver: driver, slot: slot, generation: generation)
                if driver.slots[slot].generation == generation { driver.slots[slot].handler = handler }
                return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: plan.target.host, port: plan.target.port)
            .whenComplete { result in
                let driver = loopBound.value
                driver.connecting -= 1
                if case .success(let channel) = result, driver.slots[slot].generation != generation {
                    channel.close(promise: nil)  // given up on while connecting (the end of the run)
                }
                driver.connected(slot: slot, generation: generation, succeeded: (try? result.get()) != nil)
            }
    }

    private func connected(slot: Int, generation: Int, succeeded: Bool) {
        defer {
            noteInitialConnection()
            finishIfDone()
        }
        guard slots[slot].generation == generation, slots[slot].state == .connecting else { return }
        if succeeded {
            slots[slot].state = .idle
            open += 1
            peakOpen = max(peakOpen, open)
            if startAt != 0, now() >= startAt { becameFree(slot) } else { idle.append(slot) }
        } else {
            slots[slot].handler = nil
            slots[slot].state = .down
            slots[slot].failuresInARow += 1
            if startAt != 0 { tally.recordFailure(.connect, stage: stage(at: now()), second: second(at: now())) }
            if !ended { reconnect(slot) }
        }
    }

    /// Reopens a slot's connection: at once after a connection that answered, else after a wait that
    /// doubles with each failure in a row (50 ms, 100 ms, … 2 s).
    private func reconnect(_ slot: Int) {
        let failures = slots[slot].failuresInARow
        guard failures > 0 else { return openSlot(replacing: slot) }
        let delay = min(Self.reconnectDelay << min(failures - 1, 10), Self.longestReconnectDelay)
        _ = try? loop.assumeIsolated().scheduleCallback(
            in: .milliseconds(delay), handler: Wake(driver: self, purpose: .reconnect(slot, slots[slot].generation))
        )
    }

    private func reopen(_ slot: Int, generation: Int) {
        guard !ended, slots[slot].state == .down, slots[slot].generation == generation else { return }
        openSlot(replacing: slot)
    }

    private func noteInitialConnection() {
        guard let promise = connectedPromise, connecting == 0 else { return }
        connectedPromise = nil
        promise.succeed()
    }

    /// Closes a slot's connection without counting its close again, and marks it down.
    private func retire(_ slot: Int) {
        switch slots[slot].state {
        case .busy:
            busy -= 1
            open -= 1
        case .idle:
            open -= 1
            if let position = idle.firstIndex(of: slot) { idle.remove(at: position) }
        case .connecting, .down:
            break
        }
        slots[slot].generation += 1
        slots[slot].handler?.abandon()
        slots[slot].handler = nil
        slots[slot].state = .down
    }

    // MARK: - End

    private func reachEnd() {
        ended = true
        let current = now()
        while let intended = pending.popFirst() {
            let stage = stage(at: intended)
            tally.stages[stage].missed += 1
            tally.stages[stage].unsent += 1
            tally.recordFailure(.unsent, stage: stage, second: second(at: current))
        }
        for slot in slots.indices where slots[slot].state != .busy {
            retire(slot)
        }
        finishIfDone()
    }

    /// Done once the end has passed, nothing is in flight and no connection is still being opened (so
    /// the event loops can shut down with nothing pending on them).
    private func finishIfDone() {
        guard ended, let promise = finished, busy == 0, connecting == 0 else { return }
        finished = nil
        sweep?.cancel()
        for slot in slots.indices { retire(slot) }
        tally.poolSize = peakOpen
        handedOver = true
        promise.succeed(tally)
    }

    // MARK: - Time

    private func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    private func stage(at instant: UInt64) -> Int {
        guard case .open(let schedule) = plan.model, instant > startAt else { return 0 }
        return schedule.stageIndex(at: Double(instant - startAt) / 1e9)
    }

    private func second(at instant: UInt64) -> Int {
        instant > startAt ? Int((instant - startAt) / 1_000_000_000) : 0
    }
}

/// A timer of a ``LoopDriver``, scheduled without allocating a promise.
private struct Wake: NIOScheduledCallbackHandler {
    enum Purpose { case tick, startClosed, end, reconnect(Int, Int) }
    let driver: LoopDriver
    let purpose: Purpose

    func handleScheduledCallback(eventLoop: some EventLoop) { driver.wake(purpose) }
}
