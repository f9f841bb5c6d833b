import Testing
@Test func redisPlaceholder() { #expect(Bool(true)) }
