import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheAdmissionTests {
    /// Requests `key` the cache-aside way: a get, and a set of cost 1 on a miss. True on a hit.
    static func request(_ key: String, in policy: inout WTinyLFU<String>) -> Bool {
        if policy.get(key, now: .zero) != nil { return true }
        _ = policy.set(key, key, cost: 1, expiresAt: nil, now: .zero)
        return false
    }

    @Test("a skewed trace: hot keys among a stream of one-off keys hit under W-TinyLFU, not under LRU")
    func admissionBeatsLRUOnASkewedTrace() {
        var policy = WTinyLFU<String>(maximumEntries: 10, maximumBytes: 1_000)
        var lru = LeastRecentlyUsedModel(capacity: 10)
        var tinyHits = 0
        var lruHits = 0
        var requests = 0
        for round in 0..<200 {
            // Each round: 5 hot keys, then 10 keys never seen again (more than the cache holds).
            let keys = (0..<5).map { "hot-\($0)" } + (0..<10).map { "cold-\(round)-\($0)" }
            for key in keys {
                requests += 1
                if Self.request(key, in: &policy) { tinyHits += 1 }
                if lru.request(key) { lruHits += 1 }
            }
        }
        let tinyRatio = Double(tinyHits) / Double(requests)
        let lruRatio = Double(lruHits) / Double(requests)
        #expect(lruRatio == 0)
        #expect(tinyRatio > 0.3, "W-TinyLFU \(tinyRatio) vs LRU \(lruRatio)")
    }

    @Test("long one-time scans do not flush the hot keys, which LRU loses to every scan")
    func scanResistance() {
        var policy = WTinyLFU<String>(maximumEntries: 100, maximumBytes: 10_000)
        var lru = LeastRecentlyUsedModel(capacity: 100)
        let hot = (0..<20).map { "hot-\($0)" }
        for _ in 0..<10 {
            for key in hot {
                _ = Self.request(key, in: &policy)
                _ = lru.request(key)
            }
        }
        var tinyHotHits = 0
        var lruHotHits = 0
        for block in 0..<10 {
            for index in 0..<1_000 {
                _ = Self.request("scan-\(block)-\(index)", in: &policy)
                _ = lru.request("scan-\(block)-\(index)")
            }
            for key in hot {
                if Self.request(key, in: &policy) { tinyHotHits += 1 }
                if lru.request(key) { lruHotHits += 1 }
            }
        }
        #expect(lruHotHits == 0)
        #expect(tinyHotHits >= 190, "\(tinyHotHits) of 200 hot requests hit")
        #expect(policy.count <= 100)
    }

    @Test("a key requested again and again is admitted in the end, though it missed at first")
    func repeatedMissesEarnAdmission() {
        var policy = WTinyLFU<String>(maximumEntries: 10, maximumBytes: 1_000)
        for _ in 0..<5 {
            for index in 0..<10 { _ = Self.request("resident-\(index)", in: &policy) }
        }
        var hits = 0
        for _ in 0..<20 where Self.request("newcomer", in: &policy) { hits += 1 }
        #expect(hits > 0)
        #expect(policy.get("newcomer", now: .zero) == "newcomer")
    }
}
