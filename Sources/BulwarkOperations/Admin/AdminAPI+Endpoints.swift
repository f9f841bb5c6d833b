import BulwarkConfig
import BulwarkGateway
import Foundation
import NIOHTTP1
import Resilience

/// The endpoints' bodies.
extension AdminAPI {
    func readiness() -> AdminResponse {
        let snapshot = GatewaySnapshot(readinessOf: gateway)
        let failing = HealthReporter.failingCriticalChecks(monitor.dependencies)
        let ready = !snapshot.draining && snapshot.routesServable && failing.isEmpty
        let routes = snapshot.routes.map { APIBody.Readiness.Route(route: $0.route, upstream: $0.upstream, ready: $0.servable) }
        return .json(APIBody.Readiness(ready: ready, draining: snapshot.draining, routes: routes, failing_checks: failing), status: ready ? .ok : .serviceUnavailable)
    }

    /// What one `/metrics` scrape shows.
    func scrapeReading() -> PrometheusExporter.Reading {
        let snapshot = monitor.snapshot()
        let (dependencies, openAlerts) = (monitor.dependencies, monitor.openAlerts())
        return PrometheusExporter.Reading(
            snapshot: snapshot, health: monitor.healthReport(for: snapshot, dependencies: dependencies, openAlerts: openAlerts),
            openAlerts: openAlerts, dependencies: dependencies, process: ProcessSample.current(), host: monitor.hostSample(),
            version: monitor.version, startedAt: monitor.startedAt
        )
    }

    func performance() -> AdminResponse {
        let routes = gateway.telemetry.routeStatistics().filter { $0.requests > 0 || $0.route != GatewayTelemetry.unmatchedRoute }
        return .json(APIBody.Performance(routes: routes.map { stats in
            APIBody.Performance.Route(
                route: stats.route, count: stats.requests, errors: stats.serverErrors, error_rate: stats.errorRate,
                rate_limited: stats.rateLimited,
                p50_ms: (stats.latency.quantile(0.50) ?? 0) * 1000,
                p95_ms: (stats.latency.quantile(0.95) ?? 0) * 1000,
                p99_ms: (stats.latency.quantile(0.99) ?? 0) * 1000,
                mean_ms: stats.requests == 0 ? 0 : Double(stats.latency.sumNanoseconds) / Double(max(1, stats.latency.count)) / 1e6
            )
        }))
    }

    func upstreams() -> AdminResponse {
        let now = Gateway.monotonicNow()
        return .json(APIBody.Upstreams(upstreams: gateway.upstreams.map { upstream in
            let targets = upstream.targets.map { target in
                return APIBody.Upstreams.Target(
                    address: target.target.authority, healthy: target.isServing(at: now),
                    actively_healthy: target.isActivelyHealthy, ejected: target.isEjected(at: now),
                    breaker: target.breaker?.state.rawValue ?? "none", in_flight: target.inFlight,
                    last_probe: target.lastProbe.map { .init(passed: $0.passed, detail: $0.detail, latency_ms: $0.latency.seconds * 1000) },
                    last_failure: target.lastFailure
                )
            }
            return .init(
                name: upstream.name, balancer: upstream.settings.balancer.rawValue, healthy_targets: targets.filter(\.healthy).count,
                targets: targets, credentials: .init(settings: upstream.settings.credentials, status: upstream.credentialStatus)
            )
        }))
    }

    /// The breakers whose target name (`upstream/host:port`) or upstream name is `name` (all when nil).
    func circuits(matching name: String?) -> [APIBody.Circuit] {
        gateway.upstreams.flatMap { upstream in
            upstream.targets.compactMap { target -> APIBody.Circuit? in
                guard let breaker = target.breaker else { return nil }
                let full = "\(upstream.name)/\(target.target.authority)"
                if let name, name != full, name != upstream.name { return nil }
                let totals = breaker.windowTotals
                return APIBody.Circuit(
                    name: full, upstream: upstream.name, target: target.target.authority, state: breaker.state.rawValue,
                    failure_rate: totals.calls == 0 ? 0 : Double(totals.failures) / Double(totals.calls), calls: totals.calls
                )
            }
        }
    }

    /// `POST /api/circuits/{name}/open|close|reset`; the name may contain `/` or be percent-encoded.
    func circuitAction(path: String, _ request: AdminRequest) -> AdminResponse {
        let rest = path.dropFirst("/api/circuits/".count)
        guard let slash = rest.lastIndex(of: "/") else {
            return only([.GET], request) {
                let name = String(rest).removingPercentEncoding ?? String(rest)
                let found = circuits(matching: name)
                return found.isEmpty ? .error(.notFound, "no circuit breaker named '\(name)'") : .json(APIBody.Circuits(circuits: found))
            }
        }
        let action = String(rest[rest.index(after: slash)...])
        let name = String(rest[..<slash]).removingPercentEncoding ?? String(rest[..<slash])
        guard ["open", "close", "reset"].contains(action) else {
            return .error(.notFound, "unknown circuit action '\(action)': use open, close or reset")
        }
        return only([.POST], request) {
            var touched = 0
            for upstream in gateway.upstreams {
                for target in upstream.targets where name == upstream.name || name == "\(upstream.name)/\(target.target.authority)" {
                    switch (action, target.breaker) {
                    case ("open", let breaker?): breaker.forceOpen()
                    case ("close", let breaker?): breaker.close()
                    case ("reset", let breaker):
                        breaker?.reset()
                        target.clearEjection()
                    default: continue   // open/close need a breaker (circuit_breaker.enabled: false)
                    }
                    touched += 1
                }
            }
            guard touched > 0 else {
                let known = circuits(matching: nil).map(\.name)
                return .error(.notFound, "no circuit breaker named '\(name)'" + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))"))
            }
            monitor.logger.notice("circuit changed by hand", metadata: ["circuit": "\(name)", "action": "\(action)"])
            return .json(APIBody.Circuits(circuits: circuits(matching: name)))
        }
    }

    func alerts(_ request: AdminRequest) -> AdminResponse {
        let all = monitor.alerts()
        switch request.query["status"] {
        case nil, "", "all": return .json(APIBody.Alerts(alerts: all))
        case "open": return .json(APIBody.Alerts(alerts: all.filter { $0.status == .open }))
        case "resolved": return .json(APIBody.Alerts(alerts: all.filter { $0.status == .resolved }))
        case let other?: return .error(.badRequest, "status must be open, resolved or all, got '\(other)'")
        }
    }

    /// `POST /api/alerts/{id}/resolve`.
    func alertAction(path: String, _ request: AdminRequest) -> AdminResponse {
        let parts = path.dropFirst("/api/alerts/".count).split(separator: "/", omittingEmptySubsequences: false)
        let id = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        if parts.count == 1 {
            return only([.GET], request) {
                monitor.alert(id: id).map { .json(APIBody.OneAlert(alert: $0)) } ?? .error(.notFound, "no alert with id '\(id)'")
            }
        }
        guard parts.count == 2, parts[1] == "resolve" else { return .error(.notFound, "no admin endpoint \(request.path)") }
        return only([.POST], request) {
            guard let alert = monitor.resolveAlert(id: id) else { return .error(.notFound, "no alert with id '\(id)'") }
            return .json(APIBody.OneAlert(alert: alert))
        }
    }

    func history(name: String, _ request: AdminRequest) -> AdminResponse {
        var window: Duration = .seconds(3600)
        if let text = request.query["window"], !text.isEmpty {
            switch DurationSyntax.parse(text) {
            case .success(let value) where value > .zero: window = value
            case .success: return .error(.badRequest, "window must be positive, got '\(text)'")
            case .failure(let problem): return .error(.badRequest, "window: \(problem.description)")
            }
        }
        guard let (samples, _) = monitor.history(name, window: window) else {
            let known = monitor.historyNames
            return .error(.notFound, "no metric named '\(name)'; known: \(known.joined(separator: ", "))")
        }
        return .json(APIBody.History(name: name, window_seconds: window.seconds, interval_seconds: monitor.sampleInterval.seconds, samples: samples))
    }

    func systemInfo() -> AdminResponse {
        let process = ProcessSample.current()
        let metrics = monitor.currentMetrics()
        let host = monitor.hostSample()
        var hostname = [CChar](repeating: 0, count: 256)
        gethostname(&hostname, 255)
        return .json(APIBody.System(
            version: monitor.version, uptime_seconds: monitor.date.timeIntervalSince(monitor.startedAt), started_at: monitor.startedAt,
            pid: getpid(), rss_bytes: process.residentBytes, cpu_seconds: process.cpuSeconds,
            cpu_percent: metrics["cpu_percent"] ?? 0, open_files: process.openFiles, threads: process.threads,
            config_hash: reloader?.appliedText.map(SystemFacts.hash) ?? system.configurationHash, config_path: system.configurationPath,
            hostname: String(decoding: hostname.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            listen: system.listen, admin_listen: system.adminListen,
            network: host.network.map(APIBody.System.Interface.init), directories: host.directories.map(APIBody.System.Directory.init)
        ))
    }
}
