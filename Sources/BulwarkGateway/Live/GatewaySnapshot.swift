import BulwarkConfig
import Logging
import Resilience

/// Everything a new request is decided with: the configuration in force, its routes, its upstreams,
/// the vetting limits and the trusted proxies. Immutable; a reload builds a new one and swaps it in,
/// and a request keeps the route and upstream it started with until it finishes.
final class GatewaySnapshot: Sendable {
    /// The configuration in force (keys that need a restart keep the values the process started with).
    let configuration: BulwarkConfiguration
    let router: Router
    /// Upstreams in configuration order.
    let clusters: [UpstreamCluster]
    let clientResolver: ClientAddressResolver
    /// The limits every request head is vetted against.
    let vettingLimits: RequestVetting.Limits
    /// The identity headers removed from every client request: `auth.jwt.forward_claims` and
    /// `audit.actor.response_header` (``GatewayAudit/removedRequestHeaders(_:)``); nil when neither is set.
    let claimHeaderNames: RemovedHeaderNames?

    private init(configuration: BulwarkConfiguration, router: Router, clusters: [UpstreamCluster]) {
        self.configuration = configuration
        self.router = router
        self.clusters = clusters
        self.clientResolver = ClientAddressResolver(trustedProxies: configuration.server.trustedProxies)
        self.vettingLimits = RequestVetting.Limits(
            maxHeaderCount: configuration.server.maxHeaderCount, pathEscapes: configuration.server.pathEscapes
        )
        self.claimHeaderNames = GatewayAudit.removedRequestHeaders(configuration)
    }

    /// A snapshot built but not yet in force: ``commit(telemetry:)`` applies the membership changes of
    /// the upstreams it keeps and registers its routes' series. Building has no effect on the running
    /// gateway, so a configuration that fails to build changes nothing.
    struct Plan {
        let configuration: BulwarkConfiguration
        let clusters: [UpstreamCluster]
        /// Upstreams carried over from the previous snapshot, with the targets they are to have.
        let membership: [(cluster: UpstreamCluster, targets: [TargetURL])]
        /// Upstreams of the previous snapshot that are not carried over.
        let dropped: [UpstreamCluster]

        /// Puts the plan in force and returns the snapshot.
        func commit(telemetry: GatewayTelemetry) throws(ConfigurationError) -> GatewaySnapshot {
            for (cluster, targets) in membership { try cluster.setTargets(targets) }
            let providersInUse = Set(clusters.compactMap { $0.credential?.tokenProvider.map(ObjectIdentifier.init) })
            for cluster in dropped {
                if let provider = cluster.credential?.tokenProvider, providersInUse.contains(ObjectIdentifier(provider)) {
                    // Carried over to the upstream that replaces it.
                } else {
                    cluster.stopCredentials()
                }
                for target in cluster.targets { target.retire() }
            }
            let slots = telemetry.activate(routes: configuration.routes.map(\.label))
            telemetry.activate(upstreams: clusters.map(\.name))
            var routes: [CompiledRoute] = []
            for (index, route) in configuration.routes.enumerated() {
                // Checked by `plan`: every route names an upstream that exists.
                guard let cluster = clusters.first(where: { $0.name == route.upstream }) else { continue }
                let limits = route.rateLimits.compactMap { configuration.rateLimitClass(named: $0) }
                routes.append(CompiledRoute(index: index, settings: route, cluster: cluster, rateLimits: limits, telemetrySlot: slots[index], cache: configuration.cache))
            }
            return GatewaySnapshot(configuration: configuration, router: Router(routes: routes), clusters: clusters)
        }
    }

    /// Plans the snapshot for `configuration`. An upstream of `previous` whose settings are unchanged
    /// apart from its targets is kept (with its targets' health, breakers and pooled connections) and
    /// only its membership changes; any other upstream is built anew. A process-backed upstream keeps
    /// its current members either way: the supervisor, not the file, says what they are.
    /// - Throws: ``ConfigurationError`` with every problem's key path.
    static func plan(_ configuration: BulwarkConfiguration, previous: GatewaySnapshot?, logger: Logger) throws(ConfigurationError) -> Plan {
        var issues: [ConfigurationIssue] = []
        var clusters: [UpstreamCluster] = []
        var membership: [(cluster: UpstreamCluster, targets: [TargetURL])] = []
        for upstream in configuration.upstreams {
            if let old = previous?.clusters.first(where: { $0.name == upstream.name }),
               old.settings.hasSamePolicies(as: upstream) {
                clusters.append(old)
                // The supervisor owns a process-backed upstream's members: a reload leaves them as they are.
                if !upstream.targetsFromProcesses { membership.append((old, upstream.targets)) }
                continue
            }
            do {
                // Same credentials: the token provider (and its valid token) carries over.
                let kept = previous?.clusters.first { $0.name == upstream.name && $0.settings.credentials == upstream.credentials }?.credential
                clusters.append(try UpstreamCluster(settings: withLiveMembers(upstream, previous: previous), logger: logger, credential: kept))
            } catch {
                issues += error.issues
            }
        }
        for (index, route) in configuration.routes.enumerated() {
            if !configuration.upstreams.contains(where: { $0.name == route.upstream }) {
                issues.append(ConfigurationIssue(keyPath: "routes[\(index)].upstream", problem: "no upstream named '\(route.upstream)'"))
            }
            for (limitIndex, name) in route.rateLimits.enumerated() where configuration.rateLimitClass(named: name) == nil {
                issues.append(ConfigurationIssue(keyPath: "routes[\(index)].rate_limits[\(limitIndex)]", problem: "no rate limit named '\(name)'"))
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        let kept = Set(clusters.map(ObjectIdentifier.init))
        let dropped = (previous?.clusters ?? []).filter { !kept.contains(ObjectIdentifier($0)) }
        return Plan(configuration: configuration, clusters: clusters, membership: membership, dropped: dropped)
    }

    /// `upstream` with the current members of the process-backed upstream it replaces, when it is one
    /// too: rebuilt for new policies, it keeps the instances the supervisor added.
    private static func withLiveMembers(_ upstream: UpstreamSettings, previous: GatewaySnapshot?) -> UpstreamSettings {
        guard upstream.targetsFromProcesses,
              let old = previous?.clusters.first(where: { $0.name == upstream.name && $0.settings.targetsFromProcesses }) else { return upstream }
        var seeded = upstream
        seeded.targets = old.targets.map(\.target)
        return seeded
    }
}

extension UpstreamSettings {
    /// Whether `other` is the same upstream apart from its targets: a reload then keeps the running
    /// upstream and only changes its members.
    func hasSamePolicies(as other: UpstreamSettings) -> Bool {
        var mine = self, theirs = other
        mine.targets = []
        theirs.targets = []
        return mine == theirs
    }
}
