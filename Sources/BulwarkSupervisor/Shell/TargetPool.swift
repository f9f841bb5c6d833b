/// Where ready instances take traffic: the gateway's upstream named after the process group.
public protocol TargetPool: Sendable {
    /// Makes `127.0.0.1:port` a target of `upstream`.
    func add(port: Int, toUpstream upstream: String) throws
    /// Takes `127.0.0.1:port` out of `upstream`; requests in flight to it finish.
    func remove(port: Int, fromUpstream upstream: String) throws
    /// Requests in flight to `127.0.0.1:port` of `upstream` (also after its removal), 0 when unknown.
    func inFlight(port: Int, upstream: String) -> Int
}
