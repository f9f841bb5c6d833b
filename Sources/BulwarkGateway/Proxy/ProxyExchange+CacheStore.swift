import NIOCore
import NIOHTTP1

/// Recording the upstream's response while it streams to the client, and storing it when it ends.
extension ProxyExchange {
    /// The upstream's head is about to be relayed: decide whether to record it, and mark it `MISS` or
    /// `BYPASS` (`cache.status_header`).
    func cacheSawHead(_ head: HTTPResponseHead) -> HTTPResponseHead {
        if let target = invalidatesOnSuccess { invalidate(target, after: head) }
        guard let visit = cacheVisit else { return head }
        var head = head
        head.headers.replaceOrAdd(name: visit.cache.settings.statusHeader, value: visit.status.rawValue)
        visit.cache.counters.count(visit.status)
        guard let recorder = visit.recorder, recorder.head == nil else { return head }
        let now = visit.cache.tiered.now / 1000
        let contentLength = head.headers.first(name: "Content-Length").flatMap { Int($0) }
        switch ResponseStorability.evaluate(request: storageRequestHead, response: head, rules: visit.rules, receivedAt: now, contentLength: contentLength) {
        case .store:
            cacheVisit?.recorder?.begin(head)
        case .doNotStore:
            // Each waiter goes upstream itself: none gets this client's response; and until a response
            // of this key is stored, its misses do not wait for one another.
            giveUpRecording(markUncacheable: true)
        }
        return head
    }

    /// Stops recording: nothing of this response is stored, the fetch's waiters go upstream themselves,
    /// and (`markUncacheable`) the key's misses stop waiting for one another for a while.
    private func giveUpRecording(markUncacheable: Bool) {
        guard let visit = cacheVisit else { return }
        cacheVisit?.recorder = nil
        if markUncacheable, visit.cacheability.consultsCache { visit.cache.markUncacheable(visit.primary) }
        landFetch(.notStored)
    }

    /// An unsafe request succeeded: its target's stored responses (and those of same-origin `Location`
    /// and `Content-Location`) are removed, here and on the other instances (RFC 9111 §4.4).
    private func invalidate(_ target: (scheme: String, host: String, path: String, query: String?), after head: HTTPResponseHead) {
        invalidatesOnSuccess = nil
        guard let cache = runtime.responseCache, CacheInvalidation.invalidatesTarget(method: clientHead.method, status: head.status) else { return }
        cache.invalidate(primary: ResponseCache.primaryKey(method: .GET, scheme: target.scheme, host: target.host, path: target.path, query: target.query))
        for related in CacheInvalidation.relatedTargets(method: clientHead.method, status: head.status, responseHeaders: head.headers, scheme: target.scheme, host: target.host) {
            cache.invalidate(primary: ResponseCache.primaryKey(method: .GET, scheme: target.scheme, host: target.host, path: related.path, query: related.query))
        }
    }

    /// A part of the relayed body.
    func cacheSawBody(_ part: ByteBuffer) {
        guard cacheVisit?.recorder?.head != nil else { return }
        if cacheVisit?.recorder?.append(part) == false { giveUpRecording(markUncacheable: true) }
    }

    /// The response streams (`text/event-stream`, `routes[].streaming`): it is never stored.
    func cacheSawStream() {
        guard cacheVisit?.recorder != nil else { return }
        giveUpRecording(markUncacheable: false)
    }

    /// The relayed response ended: store it when it was recorded whole.
    func cacheSawEnd() {
        guard let visit = cacheVisit else { return }
        guard let recorder = visit.recorder, let head = recorder.head else { return landFetch(.notStored) }
        cacheVisit?.recorder = nil
        // A purge while the response was fetched may have been meant for it: it reaches this client only.
        guard visit.cache.tiered.invalidationEpoch == visit.epoch else { return landFetch(.notStored) }
        let now = visit.cache.tiered.now / 1000
        guard case .store(let decision) = ResponseStorability.evaluate(
            request: storageRequestHead, response: head, rules: visit.rules, receivedAt: now, contentLength: recorder.bytes
        ) else { return landFetch(.notStored) }
        let response = StoredResponse(
            status: head.status.code, headers: head.headers, body: recorder.body(allocator: handler.allocator), storedAt: now,
            decision: decision, statusHeader: visit.cache.settings.statusHeader
        )
        store(response, head: head, visit: visit)
    }

    /// The exchange ended without a response to store (an answer, a cut, or `clientLeft`).
    func cacheSawNoResponse(clientLeft: Bool = false) {
        guard cacheVisit != nil else { return }
        cacheVisit?.recorder = nil
        landFetch(clientLeft ? .leaderLeft : .notStored)
    }

    /// Stores `response`: in memory now, then tells the fetch's waiters (they find it there), then sends
    /// it to Redis off the event loop.
    func store(_ response: StoredResponse, head: HTTPResponseHead, visit: CacheVisit) {
        let entries = visit.cache.storeLocally(response, primary: visit.primary, requestHeaders: selectingHeaders, tags: visit.cache.tags(of: head))
        visit.cache.markCacheable(visit.primary)
        guard visit.cache.tiered.hasSharedTier else { return landFetch(.stored) }
        let tiered = visit.cache.tiered
        let loop = eventLoop
        Task {
            for (key, value) in entries { await tiered.storeShared(key, value) }
            // Waiters on other instances look in Redis: the lock is released once the entry is there.
            loop.execute { self.landFetch(.stored) }
        }
    }
}
