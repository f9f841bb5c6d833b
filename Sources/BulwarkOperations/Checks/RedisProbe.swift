import BulwarkConfig
import BulwarkCredentials
import BulwarkRedis
import Logging
import Resilience

/// Checks a Redis server: `PING` must answer `PONG`.
///
/// ```swift
/// let cache = try RedisProbe(url: "redis://:secret@10.0.0.5:6379/0")   // its own client
/// let outcome = await cache.probe(timeout: .seconds(2))    // .passed(detail: "reachable")
/// await cache.shutdown()                                   // closes the client it owns
///
/// let gatewayRedis = RedisProbe(client: gateway.redisClient)   // shares a client; shutdown() leaves it open
/// ```
///
/// A probe made from a URL owns its ``RedisClient`` (one connection, authenticated and on the URL's
/// database); its owner calls ``shutdown()`` when done. A probe
/// made from a client only borrows it. Failures read `connection refused`, `no reply to PING within 2 s`,
/// `Redis replied: WRONGPASS …`; never the password.
public struct RedisProbe: DependencyProbe {
    private let client: RedisClient
    private let ownsClient: Bool
    private let secrets: [String]

    /// A probe that sends `PING` over `client`, which stays its owner's: ``shutdown()`` does not close it.
    public init(client: RedisClient) {
        self.client = client
        self.ownsClient = false
        self.secrets = [client.configuration.password].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// A probe with its own client for `redis://[user:password@]host[:port][/db]`: one connection, opened
    /// by the first probe and kept while it lives; a probe after it was lost opens it again (no reconnection
    /// in the background, so a dependency that is down costs one attempt per probe).
    /// - Parameters:
    ///   - url: the server, with its password and database.
    ///   - timeout: how long opening the connection (authentication included) may take. Default 2 s.
    ///   - logger: where the client logs lost and failed connections.
    /// - Throws: `RedisError.invalidURL` saying what is wrong with the URL (its password masked).
    public init(
        url: String,
        timeout: Duration = DependencyCheckSettings.Defaults.timeout,
        logger: Logger = Logger(label: "bulwark.health.redis")
    ) throws {
        var configuration = try RedisConfiguration(url: url)
        configuration.minimumConnections = 0
        configuration.maximumConnections = 1
        configuration.connectTimeout = timeout
        configuration.borrowTimeout = timeout
        configuration.clientName = "bulwark-health"
        self.client = try RedisClient(configuration: configuration, logger: logger)
        self.ownsClient = true
        self.secrets = [configuration.password].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Sends `PING`; passes on `PONG`. `timeout` bounds waiting for a connection and, again, the reply.
    public func probe(timeout: Duration) async -> ProbeOutcome {
        let reason: String
        do {
            let reply = try await client.sendRaw(["PING"], timeout: timeout)
            switch reply {
            case .simpleString("PONG"): return .passed(detail: "reachable")
            case .error(let message): reason = "Redis replied: \(message)"
            default: reason = "unexpected reply to PING: \(reply)"
            }
        } catch let error as RedisError {
            reason = Self.words(for: error, timeout: timeout)
        } catch {
            reason = ProbeFailureText.words(for: error, timeout: timeout)
        }
        return .failed(ProbeFailureText.finished(reason, secrets: secrets))
    }

    /// Closes the client if the probe made it (``init(url:timeout:logger:)``); a shared client stays open.
    public func shutdown() async {
        if ownsClient { await client.shutdown() }
    }

    static func words(for error: RedisError, timeout: Duration) -> String {
        switch error {
        case .unavailable(let reason), .connectionClosed(let reason): NetworkErrorText.words(in: reason)
        case .timeout: "no reply to PING within \(timeout.humanReadable)"
        case .server(let message): "Redis replied: \(message)"
        default: error.description
        }
    }
}
