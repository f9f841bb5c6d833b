import BulwarkGateway
import Foundation

/// `GET /api/cache` and `POST /api/cache/purge`: the response cache's figures, and purging it.
///
/// A purge takes one of `{"prefix": "/api/catalog"}` (canonical path prefix, any host; add `"host"` to
/// narrow it), `{"url": "https://example.com/api/catalog/1?x=1"}` (every variant of one URL) or
/// `{"tag": "product-42"}` (tags from `cache.tag_header`), removes what this instance and Redis hold,
/// tells the other instances through the invalidation bus, and answers `{"purged": N}` for this instance.
extension AdminAPI {
    func cacheFigures() -> AdminResponse {
        guard let cache = gateway.responseCache else {
            return .json(APIBody.CacheFigures(enabled: false, tiers: [], hit_ratio: nil, responses: [:]))
        }
        let figures = cache.statistics
        var tiers: [APIBody.CacheFigures.Tier] = []
        func ratio(_ hits: Int, _ misses: Int) -> Double? { hits + misses == 0 ? nil : Double(hits) / Double(hits + misses) }
        if let entries = figures.memoryEntries {
            let (hits, misses) = (figures.memoryHits ?? 0, figures.memoryMisses ?? 0)
            tiers.append(.init(tier: "memory", state: "in_use", entries: entries, bytes: figures.memoryBytes, budget_bytes: figures.memoryBudget,
                               evictions: figures.memoryEvictions, hits: hits, misses: misses, hit_ratio: ratio(hits, misses)))
        }
        if figures.redisConfigured {
            tiers.append(.init(tier: "redis", state: figures.redisAvailable ? "in_use" : "skipped", entries: nil, bytes: nil, budget_bytes: nil,
                               evictions: nil, hits: figures.redisHits, misses: figures.redisMisses, hit_ratio: ratio(figures.redisHits, figures.redisMisses)))
        }
        return .json(APIBody.CacheFigures(enabled: true, tiers: tiers, hit_ratio: figures.hitRatio, responses: figures.responses))
    }

    func purgeCache(_ request: AdminRequest) async -> AdminResponse {
        guard let cache = gateway.responseCache else {
            return .error(.conflict, "no route caches (add routes[].cache): there is nothing to purge")
        }
        guard let purge = try? JSONDecoder().decode(APIBody.CachePurge.self, from: Data(request.body)) else {
            return .error(.badRequest, #"send one of {"prefix": "/path"} (optionally with "host"), {"url": "https://host/path"} or {"tag": "name"}"#)
        }
        let given = [purge.prefix, purge.url, purge.tag].compactMap { $0 }
        guard given.count == 1 else {
            return .error(.badRequest, "send exactly one of prefix, url or tag, got \(given.count)")
        }
        if purge.host != nil, purge.prefix == nil {
            return .error(.badRequest, "host narrows a prefix purge; it cannot go with url or tag")
        }
        let purged: Int
        if let prefix = purge.prefix {
            do {
                purged = try await cache.purge(prefix: prefix, host: purge.host)
            } catch {
                return .error(.badRequest, "\(error)")
            }
        } else if let url = purge.url {
            do {
                purged = try await cache.purge(url: url)
            } catch {
                return .error(.badRequest, "\(error)")
            }
        } else {
            guard let tag = purge.tag, !tag.isEmpty else { return .error(.badRequest, "tag must not be empty") }
            purged = await cache.purge(tag: tag)
        }
        monitor.logger.notice("cache purged by hand", metadata: [
            "prefix": "\(purge.prefix ?? "")", "host": "\(purge.host ?? "")", "url": "\(purge.url ?? "")", "tag": "\(purge.tag ?? "")", "purged": "\(purged)",
        ])
        return .json(["purged": purged])
    }
}

extension APIBody {
    /// The answer of `GET /api/cache`.
    struct CacheFigures: Encodable {
        var enabled: Bool
        var tiers: [Tier]
        var hit_ratio: Double?
        var responses: [String: Int]

        struct Tier: Encodable {
            var tier: String
            var state: String
            var entries: Int?
            var bytes: Int?
            var budget_bytes: Int?
            var evictions: Int?
            var hits: Int
            var misses: Int
            var hit_ratio: Double?
        }
    }

    /// The body of `POST /api/cache/purge`.
    struct CachePurge: Decodable {
        var prefix: String?
        var host: String?
        var url: String?
        var tag: String?
    }
}
