import Logging
import NIOCore
import NIOPosix

/// Re-resolves the targets named by a host name (not an IP literal) every `resolve_interval` of their
/// upstream, so new connections follow DNS changes without a restart (like nginx's `resolve` or Envoy's
/// strict DNS). A pooled connection to an address its name no longer resolves to is closed when it
/// next falls idle instead of being reused (requests on it finish). A failed lookup keeps the last good
/// address.
struct TargetAddressRefresher: Sendable {
    /// Looks a host name up; injected so tests can change what a name resolves to.
    typealias Resolve = @Sendable (_ host: String, _ port: Int) async -> SocketAddress?

    /// The upstreams in force (read on every tick, so reloads are followed).
    let upstreams: @Sendable () -> [UpstreamCluster]
    let resolve: Resolve
    let logger: Logger
    /// What ``run()`` sleeps on. Default the continuous clock.
    var clock: any Clock<Duration> = ContinuousClock()

    /// Resolution with getaddrinfo on NIO's blocking thread pool (never on an event loop).
    static let systemResolve: Resolve = { host, port in
        try? await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }

    /// Runs one pass over `targets` now: every named one is looked up and its address updated when it changed.
    func refresh(_ targets: [TargetState]) async {
        for target in targets where !target.isRetired && target.isNamedByHost {
            guard let address = await resolve(target.target.host, target.target.port) else {
                logger.debug("target name did not resolve; keeping its last address", metadata: ["target": "\(target.target.authority)"])
                continue
            }
            if let previous = target.addressResolved(address) {
                logger.notice("target address changed", metadata: [
                    "upstream": "\(target.upstreamName)", "target": "\(target.target.authority)",
                    "from": "\(previous.map { "\($0)" } ?? "unresolved")", "to": "\(address)",
                ])
            }
        }
    }

    /// Refreshes each upstream's targets on its own interval until cancelled.
    func run() async {
        var schedule = TargetRefreshSchedule()
        var elapsed = Duration.zero
        while !Task.isCancelled {
            let clusters = upstreams()
            let tick = schedule.tick(at: elapsed, upstreams: clusters.map { .init(id: ObjectIdentifier($0), interval: $0.settings.resolveInterval) })
            for cluster in clusters where tick.due.contains(ObjectIdentifier(cluster)) {
                await refresh(cluster.targets)
            }
            let wait = tick.wakeAt - elapsed
            do {
                try await clock.sleep(for: wait)
            } catch {
                return
            }
            elapsed = tick.wakeAt
        }
    }

    /// Whether `host` is a name rather than an IPv4 or IPv6 literal.
    static func isHostName(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host.trimmingCharacters(in: ["[", "]"]), port: 0)) == nil
    }
}
