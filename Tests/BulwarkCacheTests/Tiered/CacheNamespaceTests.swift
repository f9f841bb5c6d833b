import BulwarkCache
import Testing

@Suite struct CacheNamespaceTests {
    @Test func storageKeysCarryTheNamespace() {
        let namespace = CacheNamespace("app")
        #expect(namespace.storageKey("user:42") == "app|user:42")
        #expect(namespace.key(ofStorageKey: "app|user:42") == "user:42")
        #expect(namespace.key(ofStorageKey: "other|user:42") == nil)
        #expect(namespace.key(ofStorageKey: namespace.tagKey("users")) == nil)
        #expect(namespace.key(ofStorageKey: namespace.lockKey("user:42")) == nil)
        #expect(namespace.key(ofStorageKey: CacheNamespace("app:v2").storageKey("k")) == nil, "a longer namespace is another namespace")
    }

    @Test func scanPatternsEscapeGlobCharacters() {
        let namespace = CacheNamespace("app")
        #expect(namespace.scanPattern(prefix: "/api/") == "app|/api/*")
        #expect(namespace.scanPattern(prefix: "a*b?[c]\\") == "app|a\\*b\\?\\[c\\]\\\\*")
    }
}
