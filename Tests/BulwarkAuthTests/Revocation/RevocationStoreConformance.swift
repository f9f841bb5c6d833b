import BulwarkAuth
import Testing

/// What every ``RevocationStore`` does, run against each implementation. `letTimePass(seconds)` makes
/// that much time pass for the store (a test clock moves at once; real Redis is simply waited for).
struct RevocationStoreConformance {
    let store: any RevocationStore
    let letTimePass: @Sendable (Double) async throws -> Void

    static let entries: [RevocationEntry] = [
        .token(id: "jti:a|b\nc", expiresAt: 1_767_225_600.5),
        .token(id: "sha256:" + String(repeating: "ab", count: 32), expiresAt: nil),
        .subject(issuer: "https://id.example", subject: "user|42 é", before: 1_767_225_600),
    ]

    func run() async throws {
        try await storesAndReturnsEveryKind()
        try await aSecondWriteOfAnEntryReplacesIt()
        try await returnsEveryEntryOfALargeList()
        try await forgetsAnEntryAfterItsLifetime()
    }

    func storesAndReturnsEveryKind() async throws {
        for entry in Self.entries { try await store.add(entry, ttl: .seconds(600)) }
        let all = try await store.all()
        #expect(Set(all) == Set(Self.entries))
        #expect(all.count == Self.entries.count)
    }

    func aSecondWriteOfAnEntryReplacesIt() async throws {
        try await store.add(.token(id: "jti:again", expiresAt: 100), ttl: .seconds(600))
        try await store.add(.token(id: "jti:again", expiresAt: 200), ttl: .seconds(600))
        let again = try await store.all().filter { $0.storageKey == "t:jti:again" }
        #expect(again == [.token(id: "jti:again", expiresAt: 200)])
    }

    func returnsEveryEntryOfALargeList() async throws {
        let many = (0..<1_234).map { RevocationEntry.token(id: "jti:bulk-\($0)", expiresAt: Double($0)) }
        for entry in many { try await store.add(entry, ttl: .seconds(600)) }
        let bulk = try await store.all().filter { $0.storageKey.hasPrefix("t:jti:bulk-") }
        #expect(Set(bulk) == Set(many))
        #expect(bulk.count == many.count, "no duplicates")
    }

    func forgetsAnEntryAfterItsLifetime() async throws {
        let shortLived = RevocationEntry.token(id: "jti:short-lived", expiresAt: nil)
        try await store.add(shortLived, ttl: .seconds(1))
        #expect(try await store.all().contains(shortLived))
        try await letTimePass(1.5)
        try await RevocationFixture.eventually(within: .seconds(10), "the entry expired") {
            try await !store.all().contains(shortLived)
        }
        #expect(try await store.all().contains(Self.entries[0]), "longer-lived entries stay")
    }
}

@Suite("Memory revocation store")
struct MemoryRevocationStoreRevocationTests {
    @Test("passes the store conformance suite")
    func conformance() async throws {
        let wall = TestWallClock()
        try await RevocationStoreConformance(store: MemoryRevocationStore(now: wall.function)) { wall.advance(by: $0) }.run()
    }

    @Test("keeps an entry for its lifetime and not longer")
    func lifetime() async throws {
        let wall = TestWallClock()
        let store = MemoryRevocationStore(now: wall.function)
        try await store.add(.token(id: "jti:j1", expiresAt: nil), ttl: .seconds(10))
        wall.advance(by: 9.99)
        #expect(try await store.all().count == 1)
        wall.advance(by: 0.01)
        #expect(try await store.all().isEmpty)
    }
}
