import NIOCore

extension TieredCache {
    /// Loads `keys` that neither tier holds yet (at start, so the first requests hit), at most
    /// `concurrency` at a time. A key that fails to load is logged and skipped. Returns how many were loaded.
    @discardableResult
    public func warm(
        _ keys: [String], options: CacheEntryOptions, concurrency: Int = 8,
        loader: @escaping @Sendable (String) async throws -> ByteBuffer
    ) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            var loaded = 0
            var next = keys.makeIterator()
            func startNext() -> Bool {
                guard let key = next.next() else { return false }
                group.addTask { [self] in
                    guard await lookup(key) == nil else { return false }
                    do {
                        _ = try await load(key, options: options) { try await loader(key) }
                        return true
                    } catch {
                        logger.warning("cache: warming '\(key)' failed: \(error)")
                        return false
                    }
                }
                return true
            }
            for _ in 0..<max(1, concurrency) where startNext() {}
            for await result in group {
                if result { loaded += 1 }
                _ = startNext()
            }
            return loaded
        }
    }
}
