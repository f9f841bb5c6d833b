import BulwarkConfig
import BulwarkGateway
import Synchronization

/// A ``TargetPool`` over a running ``Gateway``: instances join and leave the upstream named after
/// their process group through the gateway's membership API. Each added target's state is kept (until
/// the port is added again), so its requests in flight can be watched while it drains — also when a
/// reload removed its whole upstream first.
public final class GatewayTargetPool: TargetPool {
    let gateway: Gateway
    private let known = Mutex<[String: TargetState]>([:])

    /// A pool over `gateway`.
    public init(gateway: Gateway) { self.gateway = gateway }

    static func target(port: Int) -> TargetURL { TargetURL(host: "127.0.0.1", port: port) }

    /// Adds the target.
    public func add(port: Int, toUpstream upstream: String) throws {
        try gateway.addTarget(Self.target(port: port), toUpstream: upstream)
        let state = member(port: port, upstream: upstream)
        known.withLock { $0["\(upstream)/\(port)"] = state }
    }

    /// Removes the target; its state stays known to read its requests in flight.
    public func remove(port: Int, fromUpstream upstream: String) throws {
        try gateway.removeTarget(Self.target(port: port), fromUpstream: upstream)
    }

    /// Requests in flight to the target, member or leaving.
    public func inFlight(port: Int, upstream: String) -> Int {
        if let state = member(port: port, upstream: upstream) { return state.inFlight }
        return known.withLock { $0["\(upstream)/\(port)"]?.inFlight ?? 0 }
    }

    private func member(port: Int, upstream: String) -> TargetState? {
        gateway.upstreams.first { $0.name == upstream }?.targets.first { $0.target.port == port && $0.target.host == "127.0.0.1" }
    }
}
