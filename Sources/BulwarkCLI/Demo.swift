import ArgumentParser
import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkOperations
import Foundation
import Logging
import Resilience
import ServiceLifecycle
import Synchronization

/// `bulwark demo`: the gateway in front of three built-in local apps (steady, flaky, slow), so a newcomer
/// sees retries, ejection and rate limiting with one command.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway in front of built-in demo apps (one flaky, one slow).")

    @Option(name: .long, help: "Where the gateway listens, HOST:PORT. Default 127.0.0.1:8080, or 127.0.0.1:8443 with --tls.")
    var listen: String?

    @Option(name: .long, help: "Where the admin API and dashboard listen, HOST:PORT.")
    var adminListen: String = "127.0.0.1:9090"

    @Flag(name: .long, help: "Serve HTTPS with a certificate from a throwaway CA made for this run (its key is never written to disk).")
    var tls = false

    func run() async throws {
        let listen = self.listen ?? (tls ? "127.0.0.1:8443" : "127.0.0.1:8080")
        guard case .success(let address) = ListenAddress.parse(listen) else {
            printError("error: --listen: '\(listen)' is not HOST:PORT")
            throw ExitCode(1)
        }
        guard case .success(let adminAddress) = ListenAddress.parse(adminListen) else {
            printError("error: --admin-listen: '\(adminListen)' is not HOST:PORT")
            throw ExitCode(1)
        }
        let counter = Atomic<Int>(0)
        let steady = try await DemoUpstream.start { request in
            DemoReply(body: Self.body("steady", request), headers: [("Content-Type", "application/json")])
        }
        let flaky = try await DemoUpstream.start { request in
            let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
            if request.uri == "/health" || n % 5 > 1 {
                return DemoReply(body: Self.body("flaky", request), headers: [("Content-Type", "application/json")])
            }
            return DemoReply(status: 503, body: "{\"error\":\"flaky instance failed\"}")
        }
        let slow = try await DemoUpstream.start { request in
            let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
            return DemoReply(body: Self.body("slow", request), headers: [("Content-Type", "application/json")],
                             delay: request.uri != "/health" && n % 3 == 0 ? .milliseconds(1500) : .zero)
        }
        let tlsFiles = try tls ? Self.makeTLSFiles(for: address) : nil
        defer { tlsFiles?.remove() }
        var configuration = BulwarkConfiguration()
        configuration.server.listen = address
        if let tlsFiles {
            configuration.server.tls = ServerTLSSettings(certificates: [CertificateSettings(certificate: tlsFiles.certificatePath, key: tlsFiles.keyPath)])
        }
        configuration.admin.listen = adminAddress
        configuration.alerts.interval = .seconds(1)
        configuration.admin.sampleInterval = .seconds(2)
        var app = UpstreamSettings(name: "app", targets: [steady, flaky, slow].map { TargetURL(host: "127.0.0.1", port: $0.port) })
        app.timeout = .seconds(5)
        app.healthCheck = HealthCheckSettings(path: "/health")
        app.retry.attempts = 3
        app.retry.perTryTimeout = .seconds(1)
        app.outlierDetection.consecutiveFailures = 3
        app.outlierDetection.baseEjectionTime = .seconds(10)
        configuration.upstreams = [app]
        configuration.rateLimits["login"] = RateLimitClass(policy: RateLimitPolicy(name: "login", limit: 5, per: .seconds(60)))
        configuration.routes = [
            RouteSettings(pathPrefix: "/api/auth/login", methods: ["POST"], upstream: "app", rateLimits: ["login"]),
            RouteSettings(pathPrefix: "/", upstream: "app"),
        ]
        let logger = makeLogger(label: "bulwark", level: "notice")
        let exporter = PrometheusExporter()
        let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: exporter.factory)
        let admin = try AdminService(gateway: gateway, exporter: exporter, version: Bulwark.version, configurationText: nil, configurationPath: nil, logger: logger)
        let base = tlsFiles == nil ? "http://\(address)" : "https://\(Self.tlsHost(for: address)):\(address.port)"
        let curl = tlsFiles.map { "curl --cacert \($0.caPath)" } ?? "curl"
        let secret = ProcessInfo.processInfo.environment[configuration.admin.tokenEnvironmentVariable] ?? ""
        let token = secret.isEmpty ? "" : "#token=" + (secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret)
        print("""
        bulwark demo: the gateway listens on \(base) in front of three local demo apps:
          steady  http://127.0.0.1:\(steady.port)  answers at once
          flaky   http://127.0.0.1:\(flaky.port)  answers 503 to 2 requests in 5
          slow    http://127.0.0.1:\(slow.port)  takes 1.5 s on 1 request in 3 (per-try timeout 1 s)

        Try, in another terminal:
          for i in $(seq 20); do \(curl) -s \(base)/api/items; echo; done
              every request succeeds: 503s and slow answers are retried on another instance
          for i in $(seq 7); do \(curl) -s -o /dev/null -w '%{http_code}\\n' -X POST \(base)/api/auth/login; done
              200 five times, then 429 with Retry-After and RateLimit headers\(tlsFiles.map { Self.tlsHelp($0, base: base) } ?? "")
        Dashboard (health, targets, breakers, charts, alerts): http://\(adminAddress)/\(token)
          curl -s http://\(adminAddress)/health     curl -s http://\(adminAddress)/metrics
        The JSON lines below are the access log (see "attempts" and "target"). Ctrl-C stops.

        """)
        // Piped or redirected stdout is block-buffered: the instructions must show now, not at exit.
        fflush(nil)
        let group = ServiceGroup(configuration: .init(services: [.init(service: admin), .init(service: gateway)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        for upstream in [steady, flaky, slow] { await upstream.stop() }
    }

    /// The name clients use for a TLS demo listening on `address`: `localhost` for loopback and
    /// wildcard addresses, else the address itself.
    static func tlsHost(for address: ListenAddress) -> String {
        address.isLoopback || ["0.0.0.0", "::"].contains(address.host) ? "localhost" : address.hostPart
    }

    /// A throwaway CA and a server certificate for localhost, 127.0.0.1, ::1 and the listen host.
    static func makeTLSFiles(for address: ListenAddress) throws -> DemoTLSFiles {
        var hosts = ["localhost", "127.0.0.1", "::1"]
        if !["0.0.0.0", "::", "localhost", "127.0.0.1", "::1"].contains(address.host) { hosts.append(address.host) }
        do {
            return try DemoTLSFiles.create(hosts: hosts)
        } catch {
            printError("error: --tls: \(error)")
            throw ExitCode(1)
        }
    }

    /// How to trust the demo CA, set off by blank lines.
    static func tlsHelp(_ files: DemoTLSFiles, base: String) -> String {
        """


        HTTPS: a throwaway CA made for this run signed the certificate; the CA's private key is never written
        to disk, so it can sign nothing else. Files (deleted when the demo stops), in \(files.directory):
          ca.pem (the CA certificate)   cert.pem (the server certificate)   key.pem (its key, mode 0600)
        Trust it for one command:
          curl --cacert \(files.caPath) \(base)/api/items
        Trust it system-wide (browsers and tools on Debian/Ubuntu; remove it afterwards):
          sudo cp \(files.caPath) /usr/local/share/ca-certificates/bulwark-demo.crt && sudo update-ca-certificates
          sudo rm /usr/local/share/ca-certificates/bulwark-demo.crt && sudo update-ca-certificates --fresh

        """
    }

    static func body(_ instance: String, _ request: DemoRequest) -> String {
        "{\"instance\":\"\(instance)\",\"method\":\"\(request.method)\",\"path\":\"\(request.uri.replacingOccurrences(of: "\"", with: ""))\"}"
    }
}
