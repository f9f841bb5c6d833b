import NIOCore
import NIOHTTP1

/// Switching protocols: the target answered `101` to an upgrade the route allows (the machine checked
/// the protocol). Both pipelines become an ``UpgradedConnection`` byte relay; the attempt stays open,
/// in flight on its target, until the relay ends.
extension ProxyExchange {
    /// Performs ``ExchangeStateMachine/Action/switchProtocols(head:)``. The switch waits for the end of
    /// the current event-loop tick: the `101` arrives inside the upstream decoder's read, which must
    /// finish (its `end` part) before the decoder leaves the pipeline; bytes after the `101` stay buffered
    /// in it and go to the relay when it is removed.
    func switchProtocols(_ head: HTTPResponseHead) {
        connection?.handler.delegate = nil
        eventLoop.assumeIsolated().execute { [self] in
            guard case .upgraded = machine.state, let connection, let route = context?.route else { return }
            let relay = UpgradedConnection(
                exchange: self, settings: route.settings.websocket, routeIndex: route.telemetrySlot,
                drainTimeout: runtime.configuration.server.drainTimeout
            )
            guard handler.switchProtocols(clientHead(for: head), to: relay) else {
                // The client's connection cannot leave HTTP: the target's is closed, the client's cut.
                perform(machine.upgradedConnectionEnded())
                handler.abortResponse()
                return
            }
            let installed = (try? relay.installOnTarget(connection.channel.pipeline.syncOperations)) != nil
            relay.start(draining: runtime.isDraining)
            if !installed || !connection.channel.isActive { relay.sideClosed(.target) }
            if !(relay.client.context?.channel.isActive ?? false) { relay.sideClosed(.client) }
        }
    }

    /// The `101` the client gets: a relayed head (``relayedHead(_:)``) that keeps the upgrade's own
    /// `Connection` and `Upgrade`.
    private func clientHead(for head: HTTPResponseHead) -> HTTPResponseHead {
        var relayed = relayedHead(head)
        relayed.headers.replaceOrAdd(name: "Connection", value: "upgrade")
        if let upgrade = head.headers.first(name: "Upgrade") { relayed.headers.replaceOrAdd(name: "Upgrade", value: upgrade) }
        return relayed
    }

    /// The relay ended (either side closed, a timer, a drain).
    func upgradedConnectionEnded() {
        perform(machine.upgradedConnectionEnded())
    }
}
