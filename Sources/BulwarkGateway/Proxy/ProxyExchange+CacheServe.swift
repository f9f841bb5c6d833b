import NIOCore
import NIOHTTP1

/// Answering from the response cache: a hit, a stored response the upstream confirmed with a `304`, or
/// a stale one standing in for the upstream's failure. A client's own conditional request is answered
/// `304` when the stored response matches it.
extension ProxyExchange {
    /// The stored response found answers the request (status `status` in `X-Cache`).
    func serveFromCache(status: CacheStatus) {
        guard let stored = cacheVisit?.found?.response else { return perform(machine.cacheMissed()) }
        cacheVisit?.status = status
        perform(machine.cacheAnswered(status: Int(stored.status)))
    }

    /// `.serveFromCache`: writes the stored response as `serve` says.
    func writeFromCache(_ serve: CacheServe, _ completion: ExchangeStateMachine.ResponseCompletion) {
        guard let visit = cacheVisit, var stored = visit.found?.response else {
            // Cannot happen: the machine serves from the cache only after the shell found a response.
            handler.abortResponse()
            return
        }
        // The visit is changed in place: `refreshed` and `landFetch` change it too (the fetch they land).
        switch serve {
        case .hit:
            break
        case .revalidated(let notModified):
            cacheVisit?.status = .revalidated
            stored = refreshed(stored, by: notModified, visit: visit)
            cacheVisit?.found?.response = stored
        case .staleOnError:
            cacheVisit?.status = .stale
            landFetch(.notStored)
        }
        let status = cacheVisit?.status ?? visit.status
        visit.cache.counters.count(status)
        let now = visit.cache.tiered.now / 1000
        let age = CacheFreshness.currentAge(initialAge: stored.decision.initialAge, storedAt: stored.storedAt, now: now)
        var head = stored.head(version: clientHead.version)
        var body: ByteBuffer? = stored.body
        let conditional = ConditionalRequest.evaluate(
            requestHeaders: clientHead.headers, storedETag: stored.decision.entityTag, storedLastModified: stored.decision.lastModified
        )
        if conditional == .notModified, (200..<300).contains(Int(stored.status)) {
            head.status = .notModified
            body = nil
        }
        if clientHead.method == .HEAD { body = nil }
        head = CachedResponseHeaders.prepare(head, age: age, statusHeaderName: visit.cache.settings.statusHeader, status: status)
        handler.writeResponseHead(relayedHead(head))
        if let body, body.readableBytes > 0 { writeResponseBody(body) }
        logAccess(bytesSent: body?.readableBytes ?? 0)
        finish(completion)
    }

    /// The stored response with the fields of the `304` that confirmed it, stored again (RFC 9111 §4.3.4)
    /// when the merged response is still storable.
    private func refreshed(_ stored: StoredResponse, by notModified: HTTPResponseHead, visit: CacheVisit) -> StoredResponse {
        let merged = HTTPResponseHead(
            version: notModified.version, status: HTTPResponseStatus(statusCode: Int(stored.status)),
            headers: Revalidation.merge(stored: stored.headers, notModified: notModified.headers)
        )
        let now = visit.cache.tiered.now / 1000
        guard case .store(let decision) = ResponseStorability.evaluate(
            request: storageRequestHead, response: merged, rules: visit.rules, receivedAt: now, contentLength: stored.body.readableBytes
        ), visit.cache.tiered.invalidationEpoch == visit.epoch else {
            landFetch(.notStored)
            return stored
        }
        let updated = StoredResponse(
            status: stored.status, headers: merged.headers, body: stored.body, storedAt: now, decision: decision,
            statusHeader: visit.cache.settings.statusHeader
        )
        store(updated, head: merged, visit: visit)
        return updated
    }

    /// The request as the storability rules judge it: the client's head, as a GET (a HEAD shares its entry).
    var storageRequestHead: HTTPRequestHead {
        var head = clientHead
        head.method = .GET
        return head
    }
}
