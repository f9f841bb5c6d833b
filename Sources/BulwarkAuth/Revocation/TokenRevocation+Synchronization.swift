import BulwarkRedis
import Resilience

/// How ``TokenRevocation`` keeps its list in step: the run loop, loads, and what the bus delivers.
extension TokenRevocation {
    /// Loads the store once, before the list is first used (a gateway does this before it listens, so
    /// its first requests already see what other gateways revoked). A failed load is not retried here:
    /// ``run()`` does that.
    /// - Returns: whether the load succeeded.
    @discardableResult
    public func preload() async -> Bool {
        await synchronize()
    }

    /// Loads the store, then keeps the list in step until the task is cancelled. Call it once.
    public func run() async {
        await withDiscardingTaskGroup { group in
            let (clock, interval, sink) = (clock, syncInterval, requestSink)
            group.addTask {
                while (try? await clock.sleep(for: interval)) != nil { sink.yield(.tick) }
            }
            var failures = 0
            var retryScheduled = false
            var random = SystemRandomNumberGenerator()
            // A failed load is retried with backoff, one retry at a time.
            func load() async {
                guard await synchronize() else {
                    failures += 1
                    guard !retryScheduled else { return }
                    retryScheduled = true
                    let delay = retryBackoff.delay(attempt: failures, using: &random)
                    group.addTask {
                        if (try? await clock.sleep(for: delay)) != nil { sink.yield(.retry) }
                    }
                    return
                }
                failures = 0
            }
            await load()
            for await request in requests {
                switch request {
                case .resynchronize:
                    await load()
                case .retry:
                    retryScheduled = false
                    if state.withLock({ $0.reachable != true }) { await load() }
                case .outOfStep:
                    if !retryScheduled, state.withLock({ $0.reachable != true }) { await load() }
                case .tick:
                    let now = now()
                    telemetry.entries(state.withLock { $0.list.purgeExpired(now: now); return $0.list.count })
                    if bus?.isConnected == false {
                        noteReachable(false, reason: "the invalidation bus is disconnected")
                    } else if state.withLock({ $0.reachable != true }) {
                        await load()
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// Merges the store's entries into the list and writes back those it lacks.
    /// - Returns: whether it succeeded.
    func synchronize() async -> Bool {
        let since = state.withLock { $0.failures }
        do {
            let stored = try await store.all()
            let now = now()
            let storedKeys = Set(stored.map(\.storageKey))
            // In chunks, so that requests checked meanwhile do not wait for a whole large list.
            for start in stride(from: 0, to: stored.count, by: 1_000) {
                let chunk = stored[start..<min(start + 1_000, stored.count)]
                state.withLock { state in for entry in chunk { state.list.insert(entry, now: now) } }
            }
            let missing = state.withLock { state in
                state.list.purgeExpired(now: now)
                return state.list.entries.filter { !storedKeys.contains($0.storageKey) }
            }
            for entry in missing {
                try await store.add(entry, ttl: lifetime(of: entry, now: now))
                try await announce(entry)
            }
            telemetry.entries(count)
            return noteReachable(true, reason: nil, since: since)
        } catch {
            noteReachable(false, reason: "loading the list failed: \(error)")
            return false
        }
    }

    func received(_ event: InvalidationEvent) {
        switch event {
        case .message(let message):
            guard message.kind == "add", let entry = RevocationEntry(encoded: message.value) else { return }
            apply(entry, now: now(), source: "peer")
        case .resynchronize:
            // Messages were missed while the bus was away: out of step until the reload.
            noteReachable(false, reason: "the invalidation bus lost its subscription; reloading the list")
            requestSink.yield(.resynchronize)
        }
    }
}
