import BulwarkGateway

extension GatewaySnapshot {
    /// Reads `gateway` now: the one place the monitor touches the `Gateway` object.
    public init(of gateway: Gateway) {
        let now = Gateway.monotonicNow()
        self.init()
        upstreamNames = gateway.upstreams.map(\.name)
        targets = gateway.upstreams.flatMap { upstream in
            upstream.targets.map { target in
                let probe = target.lastProbe
                var observation = Observation.TargetObservation(
                    upstream: upstream.name, target: target.target.authority,
                    serving: target.isServing(at: now), ejected: target.isEjected(at: now),
                    activelyHealthy: target.isActivelyHealthy, breaker: target.breaker?.state,
                    // A failed probe's time says nothing about speed: only passing probes count as latency.
                    probeLatency: probe?.passed == true ? probe?.latency : nil, probeDetail: probe?.detail
                )
                observation.lastFailure = target.lastFailure
                return observation
            }
        }
        routes = Self.routes(of: gateway, at: now)
        routeStatistics = gateway.telemetry.routeStatistics()
        draining = gateway.isDraining
        inFlight = gateway.telemetry.inFlight
        retries = gateway.telemetry.retries
        leasedRateLimitOutstanding = gateway.redisClient == nil ? nil : gateway.leasedRateLimitOutstanding
        certificates = gateway.tlsCertificates
        handshakeFailures = gateway.tlsHandshakeFailures
        credentials = gateway.upstreams.compactMap { upstream in
            upstream.credentialStatus.map { Observation.CredentialObservation(upstream: upstream.name, status: $0) }
        }
        auth = Observation.AuthObservation(of: gateway)
    }

    /// Only what readiness needs (the routes and draining): `/health/ready` is polled by load
    /// balancers, so it does not copy every route's statistics.
    public init(readinessOf gateway: Gateway) {
        self.init()
        routes = Self.routes(of: gateway, at: Gateway.monotonicNow())
        draining = gateway.isDraining
    }

    static func routes(of gateway: Gateway, at now: Int64) -> [RouteReadiness] {
        gateway.routes.map { route in
            RouteReadiness(route: route.label, upstream: route.upstream.name, servable: route.upstream.hasAvailableTarget(at: now))
        }
    }
}
