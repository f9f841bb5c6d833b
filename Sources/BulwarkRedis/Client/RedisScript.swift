/// A Lua script run with `EVALSHA`. The client loads it with `SCRIPT LOAD` on first use and again when
/// the server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`), so callers never see that error.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String

    /// A script from its Lua source.
    public init(_ source: String) {
        self.source = source
    }
}

extension RedisClient {
    /// Runs `script` with `keys` and `arguments` (`EVALSHA`, loading the script when the server lacks it).
    /// - Throws: ``RedisError/server(_:)`` for a script error, and the errors of ``send(_:)-([RedisArgument])``.
    public func evaluate(
        _ script: RedisScript,
        keys: [RedisArgument] = [],
        arguments: [RedisArgument] = [],
        timeout: Duration? = nil
    ) async throws -> RESPValue {
        var sha = scripts.withLock { $0[script.source] }
        if sha == nil { sha = try await load(script) }
        for attempt in 1...2 {
            let reply = try await sendRaw(["EVALSHA", RedisArgument(sha!), RedisArgument(keys.count)] + keys + arguments, timeout: timeout)
            guard case .error(let message) = reply else { return reply }
            guard message.hasPrefix("NOSCRIPT"), attempt == 1 else { throw RedisError.server(message) }
            sha = try await load(script)
        }
        throw RedisError.protocolError("EVALSHA kept answering NOSCRIPT")
    }

    /// Loads `script` with `SCRIPT LOAD` and remembers its SHA-1.
    @discardableResult
    public func load(_ script: RedisScript) async throws -> String {
        guard let sha = try await send("SCRIPT", "LOAD", RedisArgument(script.source)).string else {
            throw RedisError.protocolError("SCRIPT LOAD did not answer with a SHA-1")
        }
        scripts.withLock { $0[script.source] = sha }
        return sha
    }
}
