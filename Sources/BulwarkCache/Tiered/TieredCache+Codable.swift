import Foundation
import NIOCore
import NIOFoundationCompat

extension TieredCache {
    /// The value of `key` decoded from JSON, loading it with `loader` on a miss; see
    /// ``get(_:options:loader:)``. A stored value that no longer decodes as `T` is reloaded.
    public func get<T: Codable & Sendable>(
        _ key: String, as type: T.Type, options: CacheEntryOptions, loader: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let bytes = try await get(key, options: options) { try Self.encode(try await loader()) }
        if let value = try? JSONDecoder().decode(T.self, from: bytes) { return value }
        await invalidate(key: key)
        let reloaded = try await get(key, options: options) { try Self.encode(try await loader()) }
        return try JSONDecoder().decode(T.self, from: reloaded)
    }

    /// Stores `value` as JSON under `options`.
    public func set<T: Encodable>(_ key: String, _ value: T, options: CacheEntryOptions) async throws {
        await set(key, try Self.encode(value), options: options)
    }

    static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        ByteBuffer(data: try JSONEncoder().encode(value))
    }
}
