import BulwarkConfig
import BulwarkDemo
@testable import BulwarkGateway
import Foundation
import Logging
import NIOCore
import NIOPosix
import Resilience
import Testing

/// `https://` targets, with real handshakes: a NIOSSL upstream (``TLSTestServer``) presenting
/// certificates from a CA made in the test, and the gateway in front of it.
@Suite("HTTPS upstreams", .timeLimit(.minutes(1)))
struct HTTPSUpstreamTests {
    /// A CA and the PEM files a test's configuration names, in a fresh directory.
    struct Files {
        let directory: String
        let ca: CertificateAuthority

        init() throws {
            directory = NSTemporaryDirectory() + "bulwark-https-upstream-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            ca = try CertificateAuthority.make(commonName: "Upstream Test CA")
            try ca.write(certificate: path("ca.pem"))
        }

        func path(_ name: String) -> String { "\(directory)/\(name)" }
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Runs a gateway for `yaml` (`PORT` is the server's port) with `server` as its upstream.
    static func withGateway<T>(_ yaml: String, server: TLSTestServer, _ body: (GatewayHarness) async throws -> T) async throws -> T {
        defer { Task { await server.stop() } }
        return try await GatewayHarness.with(yaml: yaml.replacingOccurrences(of: "PORT", with: "\(server.port)"), body)
    }

    @Test("GET through an https target verified with tls.ca; keep-alive reuses one TLS connection; Host is the target's; no SNI for an IP")
    func proxiesOverTLS() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["127.0.0.1"]))
        let yaml = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { ca: \(files.path("ca.pem")) }
        """
        try await Self.withGateway(yaml, server: server) { gateway async throws in
            let connection = try await RawConnection(port: gateway.port)
            for round in 1...3 {
                try await connection.send("GET /x HTTP/1.1\r\nHost: shop.example\r\n\r\n")
                let text = try await connection.wait { $0.components(separatedBy: "hello over tls").count > round }
                #expect(text.hasPrefix("HTTP/1.1 200"))
            }
            await connection.close()
            let seen = server.seen
            #expect(seen.connections == 1, "pooled TLS connections are reused")
            #expect(seen.hosts == Array(repeating: "127.0.0.1:\(server.port)", count: 3))
            #expect(seen.serverNames == [nil])
        }
    }

    @Test("host: client keeps the client's Host; a literal host is sent as configured; server_name reaches SNI")
    func hostAndServerName() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["api.vendor.test"]))
        for (rule, expected) in [("client", "shop.example"), ("vendor.example", "vendor.example")] {
            let yaml = """
            upstreams:
              app:
                targets: ["https://127.0.0.1:PORT"]
                tls: { ca: \(files.path("ca.pem")), server_name: api.vendor.test }
                host: \(rule)
            """
            try await GatewayHarness.with(yaml: yaml.replacingOccurrences(of: "PORT", with: "\(server.port)")) { gateway async throws in
                let response = try await RawHTTP.send("GET /x HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n", port: gateway.port)
                #expect(response.status == 200)
                #expect(server.seen.hosts.last == expected)
            }
        }
        #expect(server.seen.serverNames.allSatisfy { $0 == "api.vendor.test" })
        await server.stop()
    }

    @Test("a host-named target sends its name in SNI and as Host, and verifies the certificate against it")
    func namedTarget() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["localhost"]), host: "localhost")
        let yaml = """
        upstreams:
          app:
            targets: ["https://localhost:PORT"]
            tls: { ca: \(files.path("ca.pem")) }
        """
        try await Self.withGateway(yaml, server: server) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 200)
            #expect(server.seen.serverNames == ["localhost"])
            #expect(server.seen.hosts == ["localhost:\(server.port)"])
        }
    }

    @Test("without health checks, a failed handshake on live traffic is the target's last failure, in words")
    func lastFailureOnLiveTraffic() async throws {
        let files = try Files()
        defer { files.remove() }
        let now = Date()
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(
            hosts: ["127.0.0.1"], notBefore: now.addingTimeInterval(-7200), notAfter: now.addingTimeInterval(-3600)
        ))
        let yaml = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:\(server.port)"]
            tls: { ca: \(files.path("ca.pem")) }
            retry: { attempts: 1 }
            outlier_detection: { consecutive_failures: 1 }
        """
        try await GatewayHarness.with(yaml: yaml) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 502)
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(target.lastFailure?.contains("tls handshake failed: certificate has expired") == true, "\(target.lastFailure ?? "none")")
            #expect(target.isEjected(at: Gateway.monotonicNow()))
        }
        await server.stop()
    }

    @Test("a certificate from another CA: 502, and the failure reads 'certificate is not trusted (issuer: …)'; verify: false accepts it")
    func wrongCA() async throws {
        let files = try Files()
        defer { files.remove() }
        let stranger = try CertificateAuthority.make(commonName: "Stranger CA")
        let server = try await TLSTestServer.start(certificate: try stranger.issueServer(hosts: ["127.0.0.1"]))
        let yaml = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { ca: \(files.path("ca.pem")) }
            retry: { attempts: 1 }
            health_check: { path: /health, interval: 50ms, unhealthy_threshold: 1 }
        """
        try await GatewayHarness.with(yaml: yaml.replacingOccurrences(of: "PORT", with: "\(server.port)")) { gateway async throws in
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(try await eventually { target.lastProbe != nil })
            #expect(target.lastProbe?.detail == "tls handshake failed: certificate is not trusted (issuer: CN=Stranger CA)")
            let response = try await gateway.get("/x")
            #expect(response.status == 502 || response.status == 503)
            #expect(server.seen.hosts.isEmpty, "no request reaches an unverified upstream")
        }
        let unverified = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { verify: false }
        """
        try await Self.withGateway(unverified, server: server) { gateway async throws in
            #expect(gateway.gateway.upstreams[0].skipsTLSVerification)
            let response = try await gateway.get("/x")
            #expect(response.status == 200)
            #expect(response.body == "hello over tls")
        }
    }

    @Test("the proxy's connect fails with the reason in words: expired, untrusted, name mismatch")
    func connectFailureReasons() async throws {
        let files = try Files()
        defer { files.remove() }
        let now = Date()
        let expired = try await TLSTestServer.start(certificate: try files.ca.issueServer(
            hosts: ["127.0.0.1"], notBefore: now.addingTimeInterval(-7200), notAfter: now.addingTimeInterval(-3600)
        ))
        let otherName = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["api.vendor.test"]))
        defer { Task { await expired.stop(); await otherName.stop() } }
        var tls = UpstreamTLSSettings()
        tls.ca = files.path("ca.pem")

        #expect(try await Self.connectFailure(port: expired.port, tls: tls) == "tls handshake failed: certificate has expired")
        #expect(try await Self.connectFailure(port: otherName.port, tls: tls) == "tls handshake failed: certificate does not match 127.0.0.1")
        tls.serverName = "other.vendor.test"
        #expect(try await Self.connectFailure(port: otherName.port, tls: tls) == "tls handshake failed: certificate does not match other.vendor.test")
        tls.serverName = "api.vendor.test"
        #expect(try await Self.connectFailure(port: otherName.port, tls: tls) == nil)
    }

    @Test("a certificate for the dialled IP address alone does not pass for a name: server_name must be among its DNS names")
    func ipCertificateIsNotAName() async throws {
        let files = try Files()
        defer { files.remove() }
        let ipOnly = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["127.0.0.1"]))
        defer { Task { await ipOnly.stop() } }
        var tls = UpstreamTLSSettings()
        tls.ca = files.path("ca.pem")
        #expect(try await Self.connectFailure(port: ipOnly.port, tls: tls) == nil, "an IP target is checked against the IP")
        tls.serverName = "api.vendor.test"
        #expect(try await Self.connectFailure(port: ipOnly.port, tls: tls) == "tls handshake failed: certificate does not match api.vendor.test")
    }

    /// Connects through the proxy's transport to `127.0.0.1:port` as an https target of an upstream
    /// with `tls`; the failure as `/health` and alerts word it, or nil when it connected.
    static func connectFailure(port: Int, tls: UpstreamTLSSettings) async throws -> String? {
        var settings = UpstreamSettings(name: "vendor", targets: [TargetURL(host: "127.0.0.1", port: port, scheme: .https)])
        settings.tls = tls
        let cluster = try UpstreamCluster(settings: settings, logger: Logger(label: "test"))
        let target = cluster.targets[0]
        do {
            let channel = try await TCPUpstreamTransport().connect(
                to: target, address: target.address, connectTimeout: .seconds(5), on: MultiThreadedEventLoopGroup.singleton.next()
            ).get()
            try? await channel.close()
            return nil
        } catch {
            return ConnectFailureDescription.describe(error)
        }
    }

    @Test("mutual TLS: without client_cert the request fails; with it the upstream sees the subject")
    func mutualTLS() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["127.0.0.1"]), clientCA: files.ca.certificatePEM)
        try files.ca.issueClient(commonName: "bulwark-gateway").write(certificate: files.path("client.pem"), key: files.path("client.key"))
        let without = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { ca: \(files.path("ca.pem")) }
            retry: { attempts: 1 }
        """
        try await GatewayHarness.with(yaml: without.replacingOccurrences(of: "PORT", with: "\(server.port)")) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 502)
        }
        #expect(server.seen.hosts.isEmpty)
        let with = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { ca: \(files.path("ca.pem")), client_cert: \(files.path("client.pem")), client_key: \(files.path("client.key")) }
        """
        try await Self.withGateway(with, server: server) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 200)
            #expect(server.seen.clientSubjects == ["CN=bulwark-gateway"])
        }
    }

    @Test("health checks run over TLS with the upstream's CA and Host rule")
    func healthCheckOverTLS() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["api.vendor.test"]))
        let yaml = """
        upstreams:
          app:
            targets: ["https://127.0.0.1:PORT"]
            tls: { ca: \(files.path("ca.pem")), server_name: api.vendor.test }
            host: api.vendor.test
            health_check: { path: /health, interval: 50ms, healthy_threshold: 1 }
        """
        try await Self.withGateway(yaml, server: server) { gateway async throws in
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(try await eventually { target.lastProbe?.passed == true })
            #expect(target.lastProbe?.detail == "status 200")
            #expect(server.seen.hosts.first == "api.vendor.test")
            #expect(server.seen.serverNames.first == "api.vendor.test")
        }
    }

    @Test("unusable TLS files are configuration errors with their own key paths")
    func configurationProblems() throws {
        let files = try Files()
        defer { files.remove() }
        try files.ca.issueClient(commonName: "a").write(certificate: files.path("a.pem"), key: files.path("a.key"))
        try files.ca.issueClient(commonName: "b").write(certificate: files.path("b.pem"), key: files.path("b.key"))
        let yaml = """
        upstreams:
          vendor:
            targets: ["https://127.0.0.1:8443"]
            tls: { ca: \(files.path("missing.pem")), client_cert: \(files.path("a.pem")), client_key: \(files.path("b.key")) }
        """
        let configuration = try BulwarkConfiguration.parse(yaml: yaml)
        do {
            _ = try Gateway(configuration: configuration)
            Issue.record("a missing CA file and a foreign key must be refused")
        } catch let error as ConfigurationError {
            let lines = Set(error.issues.map(\.description))
            #expect(lines.contains("upstreams.vendor.tls.ca: cannot read \(files.path("missing.pem")): no such file"))
            #expect(lines.contains("upstreams.vendor.tls.client_key: does not match client_cert"))
            #expect(error.issues.count == 2)
        }
    }

    @Test("a pooled connection to an address the target's name no longer resolves to is closed, not reused")
    func staleAddressNotReused() async throws {
        let files = try Files()
        defer { files.remove() }
        let server = try await TLSTestServer.start(certificate: try files.ca.issueServer(hosts: ["localhost"]), host: "localhost")
        defer { Task { await server.stop() } }
        var settings = UpstreamSettings(name: "app", targets: [TargetURL(host: "localhost", port: server.port, scheme: .https)])
        settings.tls.ca = files.path("ca.pem")
        let cluster = try UpstreamCluster(settings: settings, logger: Logger(label: "test"))
        let target = cluster.targets[0]
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let pool = UpstreamConnectionPool(eventLoop: loop)
        let connection = try await pool.connect(target, address: target.address, connectTimeout: .seconds(5)).get()
        try await loop.submit {
            pool.release(connection, maximumIdle: 4, now: 1)
            #expect(pool.idleConnection(to: target, now: 2) === connection, "same address: reused")
            pool.release(connection, maximumIdle: 4, now: 3)
        }.get()
        _ = target.addressResolved(try SocketAddress(ipAddress: "127.0.0.2", port: server.port))
        try await loop.submit {
            #expect(pool.idleConnection(to: target, now: 4) == nil, "moved: not reused")
            #expect(connection.isClosed)
        }.get()
    }
}
