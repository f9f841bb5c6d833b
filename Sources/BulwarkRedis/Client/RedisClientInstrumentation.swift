/// Watches what a ``RedisClient``'s connections write, for tests and benchmarks: the client calls it on
/// the connection's event loop, so it must be cheap and must not block.
public protocol RedisClientInstrumentation: Sendable {
    /// A connection wrote `commands` commands in one write and flush (automatic pipelining puts every
    /// command issued during one event-loop tick in one write).
    func flushed(commands: Int)
}
