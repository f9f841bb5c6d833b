import BulwarkAudit
import BulwarkConfig
import Crypto
import BulwarkGateway
import BulwarkPostgres
import Foundation
import NIOHTTP1
import BulwarkSupervisor

/// The admin listener's endpoints. Every request first passes ``AdminExposure`` (Host, Origin and
/// `X-Bulwark-Admin`: 421 or 403). Then `/health/live` and `/health/ready` are open; the dashboard
/// page (`/`) is static and takes its token client-side; everything else needs the bearer token when one
/// is configured (401 otherwise).
struct AdminAPI: Sendable {
    /// The gateway the endpoints act on (breakers, reload); everything they only read comes from
    /// the monitor's ``GatewaySnapshot``.
    let gateway: Gateway
    let monitor: HealthMonitor
    let exporter: PrometheusExporter
    let token: AdminToken?
    let system: SystemFacts
    let exposure: AdminExposure
    /// What `POST /api/config/reload` runs (nil without a configuration file).
    let reloader: ConfigurationFileReloader?
    /// The process supervisor under `bulwark run` (nil under `serve`).
    let supervisor: ProcessSupervisor?
    /// The audit log behind `/api/audit` (nil without `audit:`).
    let auditLog: AuditLog?
    /// Where admin actions are recorded (nil without `audit:`).
    let auditTrail: AdminAuditTrail?
    /// The PostgreSQL proxy behind `/api/postgres` (nil without `postgres:`).
    let postgres: (any PostgresStatusSource)?

    init(gateway: Gateway, monitor: HealthMonitor, exporter: PrometheusExporter, token: AdminToken?, system: SystemFacts, supervisor: ProcessSupervisor? = nil, reloader: ConfigurationFileReloader? = nil, auditLog: AuditLog? = nil, auditTrail: AdminAuditTrail? = nil, postgres: (any PostgresStatusSource)? = nil) {
        self.postgres = postgres
        self.auditLog = auditLog
        self.auditTrail = auditTrail
        self.supervisor = supervisor
        self.reloader = reloader
        self.gateway = gateway
        self.monitor = monitor
        self.exporter = exporter
        self.token = token
        self.system = system
        self.exposure = AdminExposure(tokenRequired: token != nil, settings: gateway.configuration.admin)
    }

    /// Facts fixed at start for `/api/system`.
    struct SystemFacts: Sendable {
        var configurationHash: String
        var configurationPath: String?
        var listen: String
        var adminListen: String

        /// `sha256:` and the hex digest of a configuration file's text (after a reload, of the file
        /// that reload put in force).
        static func hash(_ text: String) -> String {
            "sha256:" + SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    func respond(to request: AdminRequest) async -> AdminResponse {
        let configuredPort = gateway.configuration.admin.listen.port
        switch exposure.check(method: request.method, headers: request.headers, adminPort: request.localPort ?? (configuredPort == 0 ? nil : configuredPort)) {
        case .allow: break
        case .misdirected(let message): return .error(.misdirectedRequest, message)
        case .forbidden(let message): return .error(.forbidden, message)
        }
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        switch path {
        case "/health/live", "/livez":
            return only([.GET, .HEAD], request) { .json(["status": "alive"]) }
        case "/health/ready", "/readyz":
            return only([.GET, .HEAD], request) { readiness() }
        case "/", "/dashboard":
            return only([.GET, .HEAD], request) { .text(DashboardPage.html, contentType: "text/html; charset=utf-8") }
        default:
            break
        }
        if let token, !token.authorizes(request.headers) {
            return .error(.unauthorized, "missing or wrong bearer token: send 'Authorization: Bearer <token>'", headers: ["WWW-Authenticate": #"Bearer realm="bulwark-admin""#])
        }
        if let auditTrail, let action = AdminAction(path: path, request: request) {
            return await auditTrail.perform(action, path: path, client: request.clientAddress) { await route(path, request) }
        }
        return await route(path, request)
    }

    /// The endpoints behind the token; `path` has no trailing `/`.
    func route(_ path: String, _ request: AdminRequest) async -> AdminResponse {
        switch path {
        case "/health":
            return only([.GET, .HEAD], request) {
                let report = monitor.healthReport()
                return .json(report, status: report.status == .unhealthy ? .serviceUnavailable : .ok)
            }
        case "/metrics":
            return only([.GET, .HEAD], request) {
                .text(exporter.render(scrapeReading()), contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        case "/api/metrics":
            return only([.GET], request) { .json(APIBody.Snapshot(timestamp: monitor.date, values: monitor.currentMetrics())) }
        case "/api/performance":
            return only([.GET], request) { performance() }
        case "/api/upstreams":
            return only([.GET], request) { upstreams() }
        case "/api/circuits":
            return only([.GET], request) { .json(APIBody.Circuits(circuits: circuits(matching: nil))) }
        case "/api/alerts":
            return only([.GET], request) { alerts(request) }
        case "/api/system":
            return only([.GET], request) { systemInfo() }
        case "/api/config/reload":
            return only([.POST], request) { reloadConfiguration() }
        case "/api/processes":
            return only([.GET], request) { processes() }
        case "/api/cache":
            return only([.GET], request) { cacheFigures() }
        case "/api/cache/purge":
            guard request.method == .POST else { return only([.POST], request) { .error(.methodNotAllowed, "") } }
            return await purgeCache(request)
        case "/api/tokens":
            return only([.GET], request) { tokenStatus() }
        case "/api/audit":
            guard request.method == .GET || request.method == .HEAD else { return only([.GET], request) { .error(.methodNotAllowed, "") } }
            return await auditEvents(request)
        case "/api/audit/status":
            return only([.GET], request) { auditStatus() }
        case "/api/postgres":
            return only([.GET], request) { postgresStatus() }
        case "/api/tokens/revoke":
            guard request.method == .POST else { return only([.POST], request) { .error(.methodNotAllowed, "") } }
            return await revokeToken(request)
        default:
            break
        }
        if path.hasPrefix("/api/metrics/") {
            return only([.GET], request) { history(name: String(path.dropFirst("/api/metrics/".count)), request) }
        }
        if path.hasPrefix("/api/circuits/") {
            return circuitAction(path: path, request)
        }
        if path.hasPrefix("/api/processes/") {
            return processAction(path: path, request)
        }
        if path.hasPrefix("/api/alerts/") {
            return alertAction(path: path, request)
        }
        return .error(.notFound, "no admin endpoint \(request.path)")
    }

    /// Answers 405 with `Allow` unless the method is one of `methods`.
    func only(_ methods: [HTTPMethod], _ request: AdminRequest, _ body: () -> AdminResponse) -> AdminResponse {
        guard methods.contains(request.method) || (request.method == .HEAD && methods.contains(.GET)) else {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            return .error(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(request.path); use \(allow)", headers: ["Allow": allow])
        }
        return body()
    }
}
