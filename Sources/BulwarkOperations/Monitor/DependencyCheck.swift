import BulwarkRedis
import Foundation

/// Something outside the process the service depends on, checked by the health monitor at every
/// evaluation: Redis, later PostgreSQL and backups.
public protocol DependencyCheck: Sendable {
    /// Shown in `/health`, e.g. `redis`.
    var name: String { get }
    /// `redis`, `postgres`, `backup`…
    var kind: String { get }
    /// Checks once. Returns nil on success or why it failed; must return within about `timeout`.
    func check(timeout: Duration) async -> String?
}

/// `PING` on the gateway's Redis client.
public struct RedisDependencyCheck: DependencyCheck {
    let client: RedisClient
    /// `redis`.
    public var name: String { "redis" }
    /// `redis`.
    public var kind: String { "redis" }

    /// Checks `client`.
    public init(client: RedisClient) { self.client = client }

    /// Sends `PING`; fails on an error or a reply other than `PONG`.
    public func check(timeout: Duration) async -> String? {
        do {
            let reply = try await client.sendRaw(["PING"], timeout: timeout)
            if case .simpleString(let text) = reply, text == "PONG" { return nil }
            return "unexpected reply to PING: \(reply)"
        } catch {
            return "\(error)"
        }
    }
}
