import NIOCore
import NIOHTTP1

/// The response cache's shell part (`routes[].cache`): looking the request up, waiting for another
/// request's fetch of the same key, and sending the request upstream with what the machine needs to
/// know (a stored response it revalidates, a stale one to fall back on). What the cache answers is
/// written by `+CacheServe`; recording and storing the upstream's response by `+CacheStore`.
extension ProxyExchange {
    /// The request fields a stored response's `Vary` is matched against: those of the request as the
    /// upstream gets it, so headers the gateway sets (`forward_claims`: `X-Tenant-Id` from the token)
    /// select the variant, and a client's own copy, which never reaches the upstream, cannot.
    var selectingHeaders: HTTPHeaders { context?.upstreamHead?.headers ?? clientHead.headers }

    /// The route's cache visit for this request, when the route caches. A request that bypasses the
    /// lookup (`Authorization`, `Cookie`) still has its response offered for storing: a `public` one is
    /// kept for other clients.
    func makeCacheVisit(route: CompiledRoute, vettedPath: String, query: String?, host: String?) -> CacheVisit? {
        guard let cache = runtime.responseCache, let rules = route.cacheRules else { return nil }
        let directives = RequestCacheControl(headers: clientHead.headers)
        let cacheability = RequestCacheability.evaluate(head: clientHead, rules: rules, directives: directives)
        let primary = ResponseCache.primaryKey(
            method: clientHead.method, scheme: handler.security == nil ? "http" : "https",
            host: host ?? "", path: vettedPath, query: query
        )
        var visit = CacheVisit(
            cache: cache, rules: rules, primary: primary, cacheability: cacheability, requestDirectives: directives,
            lockTimeout: route.cacheLockTimeout, status: cacheability.consultsCache ? .miss : .bypass
        )
        if !cacheability.consultsCache, clientHead.method == .GET, !directives.noStore {
            visit.recorder = ResponseRecorder(limit: cache.settings.maxObjectBytes)
            visit.epoch = cache.tiered.invalidationEpoch
        }
        return visit
    }

    /// `.consultCache`: the request is admitted on a cached route. A hit in memory is answered at once;
    /// the deadline is armed only when the request has to wait (for Redis, another fetch, or the upstream).
    func consultCache(deadline: Int64) {
        guard let cluster = context?.route?.cluster, let visit = cacheVisit else { return perform(machine.cacheMissed()) }
        cluster.retryBudget.recordCall()
        if let found = visit.cache.memoryResponse(primary: visit.primary, requestHeaders: selectingHeaders) {
            decide(found)
            if machine.isFinished { return }
        }
        armDeadline(at: deadline)
        if machine.state == .consultingCache, cacheVisit?.found == nil { lookUp(skippingMemory: true) }
    }

    /// Looks the request up: memory at once, Redis (when configured) off the event loop.
    func lookUp(skippingMemory: Bool = false) {
        guard let visit = cacheVisit else { return perform(machine.cacheMissed()) }
        if !skippingMemory, let found = visit.cache.memoryResponse(primary: visit.primary, requestHeaders: selectingHeaders) {
            return decide(found)
        }
        guard visit.cache.tiered.hasSharedTier else { return decide(nil) }
        let (cache, primary, headers, loop) = (visit.cache, visit.primary, selectingHeaders, eventLoop)
        Task {
            let found = await cache.response(primary: primary, requestHeaders: headers)
            loop.execute { self.decide(found) }
        }
    }

    /// What the request gets, given what the cache holds for it.
    private func decide(_ found: (key: String, response: StoredResponse)?) {
        guard machine.state == .consultingCache, var visit = cacheVisit else { return }
        guard let found else { return fetch(revalidating: nil, staleFallback: false) }
        visit.found = found
        cacheVisit = visit
        let now = visit.cache.tiered.now / 1000
        let freshness = visit.cacheability == .lookup
            ? CacheFreshness.evaluate(decision: found.response.decision, storedAt: found.response.storedAt, now: now, request: visit.requestDirectives)
            : .expired
        switch freshness {
        case .fresh:
            serveFromCache(status: .hit)
        case .staleAcceptedByClient:
            serveFromCache(status: .stale)
        case .staleWhileRevalidate:
            serveFromCache(status: .stale)
            revalidateBehind(found)
        case .staleIfErrorOnly:
            fetch(revalidating: found.response, staleFallback: true)
        case .expired:
            fetch(revalidating: found.response, staleFallback: false)
        }
    }

    /// Nothing servable is stored: fetch (revalidating `stored` when there is one), unless another request
    /// of this process is fetching the same key already (then wait for it and look again), or, for a key
    /// not stored at all, another instance holds its lock (then wait for its entry). A key whose last
    /// response could not be stored is fetched at once ("hit-for-pass"), and no wait lasts longer than
    /// ``CacheVisit/collapseWait``.
    private func fetch(revalidating stored: StoredResponse?, staleFallback: Bool) {
        guard var visit = cacheVisit else { return }
        if visit.requestDirectives.onlyIfCached {
            return perform(machine.headRejected(.gatewayTimeout, message: "only-if-cached: no servable response is in the cache"))
        }
        visit.pendingFetch = (stored, staleFallback)
        guard clientHead.method == .GET, !visit.waitedOnce, !visit.cache.isUncacheable(visit.primary) else {
            cacheVisit = visit
            return goUpstream(revalidating: stored, staleFallback: staleFallback)
        }
        visit.waitedOnce = true
        let loop = eventLoop
        let role = visit.cache.flights.join(visit.primary) { landing in
            loop.execute { self.fetchLanded(landing) }
        }
        guard role == .leader else {
            visit.waited = true
            cacheVisit = visit
            cacheWaitTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(visit.collapseWait.nanoseconds)) { [self] in
                fetchLanded(.notStored)
            }
            return
        }
        visit.leadsFetch = true
        cacheVisit = visit
        guard stored == nil, visit.cache.sharedTierAvailable else { return goUpstream(revalidating: stored, staleFallback: staleFallback) }
        takeSharedLock()
    }

    /// The fetch this request waited for ended (or the wait's limit passed): look again (served from the
    /// cache if a response was stored), fetch again if its leader's client left, or go upstream.
    private func fetchLanded(_ landing: CacheFlights.Landing) {
        cacheWaitTimer?.cancel()
        cacheWaitTimer = nil
        guard machine.state == .consultingCache, var visit = cacheVisit else { return }
        switch landing {
        case .stored:
            if let found = visit.cache.memoryResponse(primary: visit.primary, requestHeaders: selectingHeaders) {
                decide(found)
            } else {
                lookUp()
            }
        case .leaderLeft:
            // The fetch ended with its client: one of its waiters leads a new one, the others wait for that.
            visit.waitedOnce = false
            cacheVisit = visit
            let pending = visit.pendingFetch
            fetch(revalidating: pending?.stored, staleFallback: pending?.staleFallback ?? false)
        case .notStored:
            let pending = visit.pendingFetch
            goUpstream(revalidating: pending?.stored, staleFallback: pending?.staleFallback ?? false)
        }
    }

    /// Takes the key's cross-instance lock; if another instance holds it, waits for its entry (or the
    /// end of ``CacheVisit/collapseWait``) before fetching.
    private func takeSharedLock() {
        guard let visit = cacheVisit else { return }
        let token = RequestID.generate()
        let (cache, primary, headers, ttl, wait, loop) = (visit.cache, visit.primary, selectingHeaders, visit.lockTimeout, visit.collapseWait, eventLoop)
        Task {
            // Double-checked: an entry stored (and its lock released) between our lookup and this lock is
            // served, not fetched again.
            func acquired() async {
                if let found = await cache.response(primary: primary, requestHeaders: headers) {
                    await cache.tiered.unlock(primary, token: token)
                    loop.execute { self.sharedFetchLanded(found) }
                } else {
                    loop.execute { self.lockTaken(token) }
                }
            }
            // Until the lock is ours or the wait ends: another instance fetches, so its entry may appear.
            let deadline = ContinuousClock.now + wait
            var markedWaiting = false
            while true {
                switch await cache.tiered.lock(primary, ttl: ttl, token: token) {
                case .acquired: return await acquired()
                case .unavailable: return loop.execute { self.sharedFetchLanded(nil) }
                case .held: break
                }
                if !markedWaiting {
                    markedWaiting = true
                    loop.execute { self.cacheVisit?.waited = true }
                }
                guard ContinuousClock.now < deadline else { return loop.execute { self.sharedFetchLanded(nil) } }
                try? await Task.sleep(for: .milliseconds(25))
                if let found = await cache.response(primary: primary, requestHeaders: headers) {
                    return loop.execute { self.sharedFetchLanded(found) }
                }
            }
        }
    }

    private func lockTaken(_ token: String) {
        cacheVisit?.lockToken = token
        guard machine.state == .consultingCache else { return releaseSharedLock() }
        goUpstream(revalidating: nil, staleFallback: false)
    }

    private func sharedFetchLanded(_ found: (key: String, response: StoredResponse)?) {
        guard machine.state == .consultingCache else { return }
        guard let found else { return goUpstream(revalidating: nil, staleFallback: false) }
        // Our own waiters look again too.
        if let visit = cacheVisit, visit.leadsFetch {
            cacheVisit?.leadsFetch = false
            visit.cache.flights.land(visit.primary, .stored)
        }
        decide(found)
    }

    /// Sends the request upstream: with the stored response's validators when it revalidates one. A
    /// request that waited for another's fetch gets its whole timeout afresh for its own.
    func goUpstream(revalidating stored: StoredResponse?, staleFallback: Bool) {
        guard var visit = cacheVisit else { return perform(machine.cacheMissed()) }
        var revalidatingStatus: Int?
        if let stored, context?.upstreamHead != nil {
            let validators = Revalidation.requestHeaders(etag: stored.decision.entityTag, lastModified: stored.decision.lastModified)
            if !validators.isEmpty {
                context!.upstreamHead!.headers.remove(name: "If-None-Match")
                context!.upstreamHead!.headers.remove(name: "If-Modified-Since")
                for (name, value) in validators { context!.upstreamHead!.headers.add(name: name, value: value) }
                revalidatingStatus = Int(stored.status)
            }
        }
        if clientHead.method == .GET {
            visit.recorder = ResponseRecorder(limit: visit.cache.settings.maxObjectBytes)
            visit.epoch = visit.cache.tiered.invalidationEpoch
        }
        if visit.waited, let timeout = machine.policy?.requestTimeout { armDeadline(at: Self.now() + timeout) }
        cacheVisit = visit
        perform(machine.cacheMissed(
            revalidatingStatus: revalidatingStatus,
            staleFallbackStatus: staleFallback ? stored.map { Int($0.status) } : nil
        ))
    }

    /// Ends this exchange's part in the fetch of its key: tells the waiters and releases the lock.
    func landFetch(_ landing: CacheFlights.Landing) {
        guard let visit = cacheVisit else { return }
        if visit.leadsFetch {
            cacheVisit?.leadsFetch = false
            visit.cache.flights.land(visit.primary, landing)
        }
        releaseSharedLock()
    }

    private func releaseSharedLock() {
        guard let visit = cacheVisit, let token = visit.lockToken else { return }
        cacheVisit?.lockToken = nil
        let (cache, primary) = (visit.cache, visit.primary)
        Task { await cache.tiered.unlock(primary, token: token) }
    }

    /// Starts the background revalidation of a response served stale (stale-while-revalidate).
    func revalidateBehind(_ found: (key: String, response: StoredResponse)) {
        guard let visit = cacheVisit, let route = context?.route, let upstreamHead = context?.upstreamHead else { return }
        visit.cache.revalidator.start(CacheRevalidator.Job(
            cache: visit.cache, cluster: route.cluster, rules: visit.rules, primary: visit.primary,
            requestHead: clientHead, upstreamHead: upstreamHead, stored: found.response,
            timeout: .nanoseconds(route.timeoutNanoseconds)
        ))
    }
}
