import NIOCore

extension TieredCache {
    /// The value of `key`, loading it with `loader` on a miss (once per key at a time in this process):
    /// ``get(_:options:loader:)`` with the options spelled out.
    ///
    /// ```swift
    /// let page = try await cache.get("page:/", ttl: .seconds(60), staleIfError: .seconds(600)) { try await render("/") }
    /// ```
    public func get(
        _ key: String, ttl: Duration, staleWhileRevalidate: Duration = .zero, staleIfError: Duration = .zero,
        tags: [String] = [], loader: @escaping @Sendable () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        try await get(key, options: CacheEntryOptions(ttl: ttl, staleWhileRevalidate: staleWhileRevalidate, staleIfError: staleIfError, tags: tags), loader: loader)
    }

    /// The value of `key` decoded from JSON, loading it with `loader` on a miss:
    /// ``get(_:as:options:loader:)`` with the options spelled out.
    public func get<T: Codable & Sendable>(
        _ key: String, as type: T.Type, ttl: Duration, staleWhileRevalidate: Duration = .zero, staleIfError: Duration = .zero,
        tags: [String] = [], loader: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await get(key, as: type, options: CacheEntryOptions(ttl: ttl, staleWhileRevalidate: staleWhileRevalidate, staleIfError: staleIfError, tags: tags), loader: loader)
    }
}
