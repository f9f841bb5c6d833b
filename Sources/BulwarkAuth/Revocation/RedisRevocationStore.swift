import BulwarkRedis
import Resilience

/// A ``RevocationStore`` in Redis, shared by every gateway on it: one key per entry,
/// `<prefix>:<storageKey>`, holding ``RevocationEntry/encoded`` and expiring with the entry
/// (`SET key value PX ms`). ``all()`` walks the keys with `SCAN … MATCH <prefix>:*` (never `KEYS`) and
/// reads them with `MGET` in batches.
///
/// Every command is bounded by `timeout` (waiting for a connection included), so a dead Redis costs a
/// caller at most that long before the error.
public final class RedisRevocationStore: RevocationStore {
    /// The key prefix used unless another is given.
    public static let defaultPrefix = "bulwark:revoked"
    /// Keys are `<prefix>:<storageKey>`.
    public let prefix: String
    /// The limit on each command.
    public let timeout: Duration
    private let redis: RedisClient

    /// A store on `redis`.
    /// - Parameters:
    ///   - prefix: the key prefix; gateways that share revocations use the same.
    ///   - timeout: the limit on each command, waiting for a connection included. Defaults to 1 s.
    public init(redis: RedisClient, prefix: String = RedisRevocationStore.defaultPrefix, timeout: Duration = .seconds(1)) {
        self.redis = redis
        self.prefix = prefix
        self.timeout = timeout
    }

    public func add(_ entry: RevocationEntry, ttl: Duration) async throws {
        let milliseconds = max(1, Int64((ttl.secondsDouble * 1000).rounded(.up)))
        try await command(["SET", RedisArgument(key(entry)), RedisArgument(entry.encoded), "PX", RedisArgument(milliseconds)])
    }

    public func all() async throws -> [RevocationEntry] {
        var keys = Set<String>()
        var cursor = "0"
        repeat {
            let reply = try await command(["SCAN", RedisArgument(cursor), "MATCH", RedisArgument(pattern), "COUNT", 1000])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let found = parts[1].array else {
                throw RedisError.protocolError("SCAN replied \(reply)")
            }
            keys.formUnion(found.compactMap(\.string))
            cursor = next
        } while cursor != "0"
        let ordered = Array(keys)
        var entries: [RevocationEntry] = []
        entries.reserveCapacity(ordered.count)
        for start in stride(from: 0, to: ordered.count, by: 500) {
            let batch = ordered[start..<min(start + 500, ordered.count)]
            let reply = try await command(["MGET"] + batch.map { RedisArgument($0) })
            // A key that expired between SCAN and MGET reads as nil; a foreign value is skipped.
            entries += (reply.array ?? []).compactMap { $0.string.flatMap(RevocationEntry.init(encoded:)) }
        }
        return entries
    }

    /// The Redis key of `entry`.
    public func key(_ entry: RevocationEntry) -> String { prefix + ":" + entry.storageKey }

    /// `<prefix>:*` with the prefix's glob characters escaped.
    var pattern: String {
        var pattern = ""
        for character in prefix {
            if "*?[]\\".contains(character) { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + ":*"
    }

    @discardableResult
    private func command(_ arguments: [RedisArgument]) async throws -> RESPValue {
        let reply = try await redis.sendRaw(arguments, timeout: timeout)
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }
}
