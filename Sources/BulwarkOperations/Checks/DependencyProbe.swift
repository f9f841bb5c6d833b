/// One way of checking a dependency once (a PostgreSQL query, an HTTP request, a TCP connect, a Redis
/// `PING`, a look at free disk space). The ``DependencyCheckService`` that owns it decides when to run
/// it, measures how long it took and keeps the result.
public protocol DependencyProbe: Sendable {
    /// Checks once; must return within about `timeout` (the runner stops waiting after it anyway).
    func probe(timeout: Duration) async -> ProbeOutcome
    /// Releases what the probe holds (connections, clients); called once when its service stops.
    /// The default does nothing.
    func shutdown() async
}

extension DependencyProbe {
    /// Nothing to release.
    public func shutdown() async {}
}

/// What one probe found.
public enum ProbeOutcome: Sendable, Hashable {
    /// The dependency answered as expected; `detail` says what was seen (`SELECT 1 returned 1`,
    /// `HTTP 200`, `34% of space used`).
    case passed(detail: String)
    /// It answered, but something needs attention (a disk above its warning threshold): degraded.
    case warning(String)
    /// It did not answer as expected, and why. Never holds a password.
    case failed(String)
}
