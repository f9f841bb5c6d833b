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
    }

    /// Sends later than this after their intended time count as missed.
    static let lateness: UInt64 = 1_000_000
    /// Wait before reopening a connection that could not be opened.
    static let reconnectDelay = TimeAmount.milliseconds(100)

    let loop: any EventLoop
    private let plan: Plan
    private var mix: RequestMix
    private var slots: [Slot] = []
    private var idle: [Int] = []
    /// Intended send times waiting for a free connection (open model).
    private var pending = CircularBuffer<UInt64>(initialCapacity: 1024)
    private(set) var tally: RunTally
    private var startAt: UInt64 = 0
    private var endAt: UInt64 = 0
    private var nextSend = 0
    private var nextSendAt: UInt64?
    private var ended = false
    private var finished: EventLoopPromise<RunTally>?
    private var sweep: RepeatedTask?
    private var connectedPromise: EventLoopPromise<Void>?

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
        let isolated = loop.assumeIsolated()
        sweep = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [loopBound = NIOLoopBound(self, eventLoop: loop)] _ in
            loopBound.value.sweepTimeouts()
        }
        switch plan.model {
        case .closed:
            _ = try? isolated.scheduleCallback(at: NIODeadline.uptimeNanoseconds(start), handler: Wake(driver: self, purpose: .startClosed))
        case .open:
            advanceSchedule()
            if let due = nextSendAt { _ = try? isolated.scheduleCallback(at: NIODeadline.uptimeNanoseconds(due), handler: Wake(driver: self, purpose: .tick)) }
        }
        _ = try? isolated.scheduleCallback(at: NIODeadline.uptimeNanoseconds(end), handler: Wake(driver: self, purpose: .end))
        return promise.futureResult
    }

    /// Live figures for the progress line: responses and errors so far, and the current second's p99.
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

    fileprivate func wake(_ purpose: Wake.Purpose) {
        switch purpose {
        case .tick: tick()
        case .startClosed:
            while let slot = idle.popLast() { sendNext(on: slot, intendedAt: now()) }
        case .end: reachEnd()
        case .reconnect(let slot): reopen(slot)
        }
    }

    // MARK: - Open model

    private func tick() {
        guard !ended else { return }
        let current = now()
        while let due = nextSendAt, due <= current, due < endAt {
            if let slot = idle.popLast() {
                sendNext(on: slot, intendedAt: due)
            } else {
                pending.append(due)
                if slots.count < plan.maximumConnections, !slots.contains(where: { $0.state == .connecting }) { openSlot() }
            }
            advanceSchedule()
        }
        if let due = nextSendAt, due < endAt {
            _ = try? loop.assumeIsolated().scheduleCallback(at: NIODeadline.uptimeNanoseconds(due), handler: Wake(driver: self, purpose: .tick))
        }
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
        slots[slot].sentAt = sentAt
        slots[slot].intendedAt = intendedAt
        let index = mix.next()
        handler.send(mix.prepared[index].bytes, expectsBody: mix.prepared[index].expectsBody)
    }

    func responseArrived(slot: Int, generation: Int, status: Int, keepAlive: Bool) {
        guard slots[slot].generation == generation, slots[slot].state == .busy else { return }
        let current = now()
        let from = slots[slot].intendedAt
        tally.recordResponse(
            stage: stage(at: from), second: second(at: current), status: status,
            latencyMicroseconds: (current &- from) / 1000
        )
        slots[slot].state = .idle
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
        let wasBusy = slots[slot].state == .busy
        if let failure, wasBusy {
            tally.recordFailure(failure, stage: stage(at: slots[slot].intendedAt), second: second(at: now()))
        }
        if slots[slot].state == .idle, let position = idle.firstIndex(of: slot) { idle.remove(at: position) }
        slots[slot].handler = nil
        slots[slot].state = .down
        if !ended {
            openSlot(replacing: slot)
        }
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
            if !ended { openSlot(replacing: slot) }
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
        let generation = slots[slot].generation
        let loopBound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                let driver = loopBound.value
                let handler = BenchConnectionHandler(driver: driver, slot: slot, generation: generation)
                if driver.slots[slot].generation == generation { driver.slots[slot].handler = handler }
                return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: plan.target.host, port: plan.target.port)
            .whenComplete { result in
                let driver = loopBound.value
                if case .success(let channel) = result, driver.slots[slot].generation != generation {
                    channel.close(promise: nil)  // given up on while connecting (a timeout, or the end)
                }
                driver.connected(slot: slot, generation: generation, succeeded: (try? result.get()) != nil)
            }
    }

    private func connected(slot: Int, generation: Int, succeeded: Bool) {
        defer { noteInitialConnection() }
        guard slots[slot].generation == generation, slots[slot].state == .connecting else { return }
        if succeeded {
            slots[slot].state = .idle
            if startAt != 0, now() >= startAt { becameFree(slot) } else { idle.append(slot) }
        } else {
            slots[slot].handler = nil
            slots[slot].state = .down
            if startAt != 0 { tally.recordFailure(.connect, stage: stage(at: now()), second: second(at: now())) }
            if !ended {
                _ = try? loop.assumeIsolated().scheduleCallback(in: Self.reconnectDelay, handler: Wake(driver: self, purpose: .reconnect(slot)))
            }
            finishIfDone()
        }
    }

    private func reopen(_ slot: Int) {
        guard !ended, slots[slot].state == .down else { return }
        openSlot(replacing: slot)
    }

    private func noteInitialConnection() {
        guard let promise = connectedPromise, !slots.contains(where: { $0.state == .connecting }) else { return }
        connectedPromise = nil
        promise.succeed()
    }

    /// Closes a slot's connection without counting its close again.
    private func retire(_ slot: Int) {
        slots[slot].generation += 1
        slots[slot].handler?.abandon()
        slots[slot].handler = nil
        slots[slot].state = .down
    }

    // MARK: - End

    private func reachEnd() {
        ended = true
        while let intended = pending.popFirst() {
            let stage = stage(at: intended)
            tally.stages[stage].missed += 1
            tally.stages[stage].unsent += 1
        }
        for slot in slots.indices where slots[slot].state != .busy {
            if slots[slot].state == .idle { retire(slot) }
            slots[slot].generation += 1
            slots[slot].state = .down
        }
        idle.removeAll()
        finishIfDone()
    }

    private func finishIfDone() {
        guard ended, let promise = finished, !slots.contains(where: { $0.state == .busy }) else { return }
        finished = nil
        sweep?.cancel()
        for slot in slots.indices { retire(slot) }
        tally.poolSize = slots.count
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
    enum Purpose { case tick, startClosed, end, reconnect(Int) }
    let driver: LoopDriver
    let purpose: Purpose

    func handleScheduledCallback(eventLoop: some EventLoop) { driver.wake(purpose) }
}
