import Logging
import NIOCore
import NIOPosix

/// Re-resolves the targets named by a host name (not an IP literal) every `interval`, so new
/// connections follow DNS changes without a restart (like nginx's `resolve` or Envoy's strict DNS).
/// Pooled connections to the old address are still reused until they close or age out (4 s idle).
/// A failed lookup keeps the last good address.
struct TargetAddressRefresher: Sendable {
    /// How often names are looked up again.
    static let defaultInterval = Duration.seconds(30)

    /// Looks a host name up; injected so tests can change what a name resolves to.
    typealias Resolve = @Sendable (_ host: String, _ port: Int) async -> SocketAddress?

    let targets: @Sendable () -> [TargetState]
    let interval: Duration
    let resolve: Resolve
    let logger: Logger

    /// Resolution with getaddrinfo on NIO's blocking thread pool (never on an event loop).
    static let systemResolve: Resolve = { host, port in
        try? await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }

    /// Runs one pass now: every named target is looked up and its address updated when it changed.
    func refreshOnce() async {
        for target in targets() where !target.isRetired && Self.isHostName(target.target.host) {
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

    /// Refreshes every `interval` until cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await refreshOnce()
        }
    }

    /// Whether `host` is a name rather than an IPv4 or IPv6 literal.
    static func isHostName(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host.trimmingCharacters(in: ["[", "]"]), port: 0)) == nil
    }
}
