import NIOCore
import NIOPosix
import Resilience

extension RedisClient {
    /// The connection slots and the commands waiting for one. Guarded by the client's mutex.
    struct Pool: ~Copyable {
        struct Slot {
            var connection: RedisConnection?
            var connecting = false
            var failures = 0
            var retryAt: ContinuousClock.Instant?
            var inFlight = 0
        }

        var slots: [Slot]
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var isShutDown = false
        var lastError = "no connection attempt has finished yet"
        /// Incremented at every failed connection attempt.
        var failedAttempts = 0

        init(slotCount: Int) {
            slots = Array(repeating: Slot(), count: slotCount)
        }
    }

    /// How many more commands in flight a connection on the caller's own event loop may have than the
    /// least busy one and still be chosen.
    static let localPreference = 8

    enum Choice {
        case use(Int, RedisConnection)
        case wait
        case unreachable
        case shutDown
    }

    /// Picks the live connection with the fewest commands in flight, opening more as load grows; waits
    /// (up to the borrow timeout) while a connection is being opened; fails at once when none is live and
    /// every slot is backing off after a failed attempt.
    func borrow(within timeout: Duration? = nil) async throws -> (Int, RedisConnection) {
        let clock = ContinuousClock()
        let deadline = clock.now + min(configuration.borrowTimeout, timeout ?? configuration.borrowTimeout)
        let failuresBefore = pool.withLock { $0.failedAttempts }
        // A caller on an event loop (the gateway's rate-limit tasks run on theirs) prefers a connection
        // on that loop: its command and reply then cross no thread.
        let here = MultiThreadedEventLoopGroup.currentEventLoop
        while true {
            var connectSlot: Int?
            let choice: Choice = pool.withLock { pool in
                guard !pool.isShutDown else { return .shutDown }
                let now = clock.now
                var best: Int?
                var local: Int?
                for index in pool.slots.indices where pool.slots[index].connection?.isActive == true {
                    if best == nil || pool.slots[index].inFlight < pool.slots[best!].inFlight { best = index }
                    if let here, pool.slots[index].connection?.channel.eventLoop === here,
                       local == nil || pool.slots[index].inFlight < pool.slots[local!].inFlight { local = index }
                }
                if let local, let chosen = best, pool.slots[local].inFlight <= pool.slots[chosen].inFlight + Self.localPreference {
                    best = local
                }
                let idle = pool.slots.indices.first { index in
                    let slot = pool.slots[index]
                    return slot.connection == nil && !slot.connecting && (slot.retryAt.map { $0 <= now } ?? true)
                }
                if let best {
                    // Busy: open another connection beside it (commands keep flowing meanwhile).
                    if pool.slots[best].inFlight >= 16, let idle {
                        pool.slots[idle].connecting = true
                        connectSlot = idle
                    }
                    pool.slots[best].inFlight += 1
                    return .use(best, pool.slots[best].connection!)
                }
                // A command waits for one round of connection attempts, not for retries after failures.
                if pool.failedAttempts > failuresBefore && !pool.slots.contains(where: \.connecting) {
                    return .unreachable
                }
                if let idle {
                    pool.slots[idle].connecting = true
                    connectSlot = idle
                    return .wait
                }
                // Nothing live, nothing connecting, every slot backing off after a failure: the server
                // is known to be unreachable right now, so fail fast instead of waiting out the timeout.
                return pool.slots.contains(where: \.connecting) ? .wait : .unreachable
            }
            if let connectSlot { startConnecting(slot: connectSlot, after: .zero, alreadyMarked: true) }
            switch choice {
            case .use(let index, let connection): return (index, connection)
            case .shutDown: throw RedisError.shutDown
            case .unreachable: throw RedisError.unavailable(pool.withLock { $0.lastError })
            case .wait:
                guard clock.now < deadline else {
                    throw RedisError.unavailable(pool.withLock { $0.lastError })
                }
                await waitForPoolChange(until: deadline)
            }
        }
    }

    /// Suspends until a connection attempt finishes or `deadline` passes.
    private func waitForPoolChange(until deadline: ContinuousClock.Instant) async {
        let id = pool.withLock { pool in
            let id = pool.nextWaiter
            pool.nextWaiter &+= 1
            return id
        }
        let timer = Task {
            try? await ContinuousClock().sleep(until: deadline)
            self.wake(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = pool.withLock { pool in
                if pool.isShutDown { return true }
                pool.waiters[id] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func wake(_ id: UInt64) {
        pool.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }

    private func wakeAll() {
        let waiters = pool.withLock { pool in
            let waiters = Array(pool.waiters.values)
            pool.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Opens a connection in slot `index` after `delay` (the slot counts as connecting only once the delay
    /// is over, so that commands meanwhile see it as backing off).
    func startConnecting(slot index: Int, after delay: Duration, alreadyMarked: Bool = false) {
        Task {
            if delay > .zero { try? await ContinuousClock().sleep(for: delay) }
            if !alreadyMarked {
                let proceed = pool.withLock { pool in
                    guard !pool.isShutDown, !pool.slots[index].connecting, pool.slots[index].connection == nil else { return false }
                    pool.slots[index].connecting = true
                    return true
                }
                guard proceed else { return }
            }
            await self.connect(slot: index)
        }
    }

    private func connect(slot index: Int) async {
        guard !pool.withLock({ $0.isShutDown }) else { return }
        do {
            let connection = try await RedisConnection.connect(configuration: configuration, group: group, instrumentation: instrumentation)
            let keep = pool.withLock { pool in
                pool.slots[index].connecting = false
                guard !pool.isShutDown else { return false }
                if pool.slots[index].failures > 0 {
                    logger.info("redis connection re-established", metadata: ["host": "\(configuration.host):\(configuration.port)"])
                }
                pool.slots[index].connection = connection
                pool.slots[index].failures = 0
                pool.slots[index].retryAt = nil
                return true
            }
            guard keep else { await connection.close(); return }
            connection.channel.closeFuture.whenComplete { _ in
                self.connectionLost(slot: index, connection: connection, reason: "the connection closed")
            }
        } catch {
            let (delay, keepWarm) = pool.withLock { pool in
                pool.slots[index].connecting = false
                pool.slots[index].failures += 1
                pool.failedAttempts += 1
                pool.lastError = String(describing: error)
                var generator = RandomSource.system.generator
                let delay = configuration.reconnectBackoff.delay(attempt: pool.slots[index].failures, using: &generator)
                pool.slots[index].retryAt = ContinuousClock().now + delay
                return (delay, index < configuration.minimumConnections && !pool.isShutDown)
            }
            logger.warning("redis connection failed: \(error); retrying in \(delay.humanReadable)",
                           metadata: ["host": "\(configuration.host):\(configuration.port)"])
            if keepWarm { startConnecting(slot: index, after: delay) }
        }
        wakeAll()
    }

    /// Forgets a dead connection; slots that keep the minimum warm reconnect at once (then with backoff).
    func connectionLost(slot index: Int, connection: RedisConnection, reason: String) {
        let reconnect = pool.withLock { pool in
            guard pool.slots[index].connection === connection else { return false }
            pool.slots[index].connection = nil
            pool.slots[index].failures = max(pool.slots[index].failures, 1)
            pool.lastError = reason
            return index < configuration.minimumConnections && !pool.isShutDown
        }
        guard reconnect else { return }
        logger.warning("redis connection lost: \(reason)", metadata: ["host": "\(configuration.host):\(configuration.port)"])
        Task { await connection.close() }
        startConnecting(slot: index, after: .zero)
    }
}
