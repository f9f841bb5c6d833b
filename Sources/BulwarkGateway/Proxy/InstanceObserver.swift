/// Told when the proxy's per-connection objects are created and freed. Injected (see
/// ``Gateway/init(configuration:logger:eventLoopGroup:metricsFactory:instanceObserver:)``) by whoever
/// wants to see that closed connections are freed; nothing is counted when none is given.
public protocol InstanceObserver: Sendable {
    /// An object of `kind` was created.
    func created(_ kind: ProxyInstanceKind)
    /// An object of `kind` was freed.
    func freed(_ kind: ProxyInstanceKind)
}

/// The per-connection objects an ``InstanceObserver`` hears about.
public enum ProxyInstanceKind: Sendable, Hashable {
    /// The handler of one client connection.
    case clientConnection
    /// One connection to an upstream target.
    case upstreamConnection
}
