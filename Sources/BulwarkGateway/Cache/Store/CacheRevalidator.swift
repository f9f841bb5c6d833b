import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Revalidates a stored response in the background (stale-while-revalidate): the client was already
/// served the stale copy; one conditional GET goes to a target of the route's upstream (picked, and its
/// breaker and health told, as for any request), and a `200` replaces the stored response while a `304`
/// refreshes it. A failure leaves the stored response as it is. At most one per key at a time: it takes
/// part in the key's fetch like a miss does (``CacheFlights``).
struct CacheRevalidator: Sendable {
    let client: HTTPClient

    /// What a background revalidation needs from the exchange that started it.
    struct Job: Sendable {
        let cache: ResponseCache
        let cluster: UpstreamCluster
        let rules: CacheRouteRules
        let primary: String
        let requestHead: HTTPRequestHead
        let upstreamHead: HTTPRequestHead
        let stored: StoredResponse
        let timeout: Duration
    }

    /// Starts `job` unless a fetch of its key is under way.
    func start(_ job: Job) {
        guard job.cache.flights.join(job.primary, waiter: { _ in }) == .leader else { return }
        Task {
            let landing = await run(job)
            job.cache.flights.land(job.primary, landing)
        }
    }

    private func run(_ job: Job) async -> CacheFlights.Landing {
        let now = Gateway.monotonicNow()
        let epoch = job.cache.tiered.invalidationEpoch
        guard let (target, permit) = job.cluster.pick(at: now, tried: 0) else { return .notStored }
        target.requestStarted()
        defer { target.requestFinished() }
        var request = HTTPClientRequest(url: "\(target.target.scheme.rawValue)://\(target.target.authority)\(job.upstreamHead.uri)")
        request.method = .GET
        request.headers = job.upstreamHead.headers
        request.headers.remove(name: "If-None-Match")
        request.headers.remove(name: "If-Modified-Since")
        for (name, value) in Revalidation.requestHeaders(etag: job.stored.decision.entityTag, lastModified: job.stored.decision.lastModified) {
            request.headers.add(name: name, value: value)
        }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(job.timeout.nanoseconds))
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: job.cache.settings.maxObjectBytes)
            } catch is NIOTooManyBytesError {
                // The target answered; its response is just too large to store.
                permit?.succeeded()
                target.callSucceeded()
                return .notStored
            }
            if response.status.code >= 500 {
                permit?.failed()
                job.cluster.recordFailure(target, at: Gateway.monotonicNow(), reason: "status \(response.status.code)")
                return .notStored
            }
            permit?.succeeded()
            target.callSucceeded()
            let receivedAt = job.cache.tiered.now / 1000
            var head = HTTPResponseHead(version: .http1_1, status: response.status, headers: response.headers)
            if response.status == .notModified {
                head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: Int(job.stored.status)),
                                        headers: Revalidation.merge(stored: job.stored.headers, notModified: response.headers))
            }
            let storedBody = response.status == .notModified ? job.stored.body : body
            var storageRequest = job.requestHead
            storageRequest.method = .GET
            guard case .store(let decision) = ResponseStorability.evaluate(
                request: storageRequest, response: head, rules: job.rules, receivedAt: receivedAt, contentLength: storedBody.readableBytes
            ), job.cache.tiered.invalidationEpoch == epoch else { return .notStored }
            let refreshed = StoredResponse(
                status: head.status.code, headers: head.headers, body: storedBody, storedAt: receivedAt, decision: decision,
                statusHeader: job.cache.settings.statusHeader
            )
            await job.cache.store(refreshed, primary: job.primary, requestHeaders: job.upstreamHead.headers, tags: job.cache.tags(of: head))
            job.cache.markCacheable(job.primary)
            return .stored
        } catch {
            permit?.failed()
            job.cluster.recordFailure(target, at: Gateway.monotonicNow(), reason: "\(error)")
            job.cache.logger.notice("cache: a background revalidation failed; the stale response stays", metadata: ["upstream": "\(job.cluster.name)", "error": "\(error)"])
            return .notStored
        }
    }
}
