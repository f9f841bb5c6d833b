/// Errors from the Redis client. Each says what failed and what to check.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an error reply, e.g. `WRONGTYPE …` or `NOSCRIPT …`.
    case server(String)
    /// No reply within the command timeout; the command's name is given.
    case timeout(String)
    /// The connection closed or could not be used.
    case connectionClosed(String)
    /// No connection could be had within the borrow timeout; the last connection error is given.
    case unavailable(String)
    /// The server sent bytes that are not valid RESP, or a reply that does not fit the command.
    case protocolError(String)
    /// A `redis://` URL could not be understood.
    case invalidURL(String)
    /// The client was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .server(let message): "Redis replied with an error: \(message)"
        case .timeout(let command): "Redis did not answer \(command) within the command timeout"
        case .connectionClosed(let reason): "the Redis connection closed: \(reason)"
        case .unavailable(let reason): "no Redis connection available: \(reason); check that the server runs and the URL is right"
        case .protocolError(let reason): "Redis protocol error: \(reason); the connection was closed"
        case .invalidURL(let reason): "invalid Redis URL: \(reason); expected redis://[user:password@]host:port/db"
        case .shutDown: "the Redis client was shut down"
        }
    }
}
