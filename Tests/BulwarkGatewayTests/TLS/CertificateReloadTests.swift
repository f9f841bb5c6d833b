import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import Foundation
import NIOSSL
import Resilience
import Synchronization
import Testing

/// Certificates change under a running HTTPS listener: through `Gateway.reload` (what SIGHUP does) and
/// through the file watcher, without dropping connections; a broken replacement changes nothing. Every
/// handshake here is real (NIOSSL as the client, verifying against the test CA).
@Suite("Certificate reload", .timeLimit(.minutes(1)))
struct CertificateReloadTests {
    /// Runs a gateway serving `live.pem`/`live.key` from `files`; `body` gets the configuration in force
    /// (what a reload of the unchanged file would load).
    static func withListener<T>(
        _ files: TLSFixture,
        extra: [String] = [],
        _ body: (GatewayHarness, BulwarkConfiguration, NIOSSLContext) async throws -> T
    ) async throws -> T {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        var running: BulwarkConfiguration?
        let client = try TLSClientConnection.context(caPath: files.caPath)
        return try await GatewayHarness.with(yaml: tlsGatewayYAML(files.tlsYAML(["live"], extra: extra)), upstreams: [app], configure: { running = $0 }) { gateway in
            try await body(gateway, try #require(running), client)
        }
    }

    /// The subject a new connection is served.
    static func subject(port: Int, _ context: NIOSSLContext) async throws -> String {
        let connection = try await TLSClientConnection.connect(port: port, context: context)
        await connection.close()
        return connection.peerSubject
    }

    @Test("reload with the same configuration reads the replaced files: new connections get the new certificate, an open keep-alive connection keeps working")
    func reloadReadsReplacedFiles() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live")
        try await Self.withListener(files) { gateway, configuration, client in
            let open = try await TLSClientConnection.connect(port: gateway.port, context: client)
            defer { Task { await open.close() } }
            #expect(open.peerSubject == "CN=localhost")
            #expect(try await open.get("/before").status == 200)
            #expect(gateway.gateway.reload(configuration).status == .unchanged)

            let replacement = try files.server("live", hosts: ["reloaded.localhost", "localhost", "127.0.0.1"])
            let outcome = gateway.gateway.reload(configuration)
            #expect(outcome.status == .applied)
            #expect(outcome.changes.contains("server.tls: certificates reloaded"))

            let fresh = try await TLSClientConnection.connect(port: gateway.port, context: client)
            #expect(fresh.peerSubject == "CN=reloaded.localhost")
            #expect(try await fresh.get("/new").status == 200)
            await fresh.close()
            // The connection opened before the reload carries on with the certificate it shook hands with.
            #expect(try await open.get("/after").status == 200)
            #expect(try await open.get("/after-again").status == 200)

            let status = try #require(gateway.gateway.tlsCertificates.first)
            #expect(status.subject == "CN=reloaded.localhost")
            #expect(status.notValidAfter == replacement.notAfter)
            #expect(gateway.gateway.reload(configuration).status == .unchanged)
            #expect(gateway.gateway.tlsHandshakeFailures.isEmpty)
        }
    }

    @Test("with reload_interval 1s, replaced files are served without any reload call")
    func watcherNoticesReplacedFiles() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live")
        try await Self.withListener(files, extra: ["reload_interval: 1s"]) { gateway, _, client in
            #expect(try await Self.subject(port: gateway.port, client) == "CN=localhost")
            try files.server("live", hosts: ["watched.localhost", "localhost", "127.0.0.1"], key: .rsa2048)
            #expect(try await eventually(within: .seconds(10)) {
                try await Self.subject(port: gateway.port, client) == "CN=watched.localhost"
            })
            #expect(gateway.gateway.tlsCertificates.map(\.subject) == ["CN=watched.localhost"])
        }
    }

    @Test("a key that does not match its certificate is rejected with its key path, and the old certificate stays in force")
    func brokenReplacementIsRejected() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        let original = try files.server("live")
        try await Self.withListener(files) { gateway, configuration, client in
            let stranger = try files.authority.issueServer(hosts: ["localhost"])
            try files.server("live", hosts: ["broken.localhost", "localhost", "127.0.0.1"])
            try stranger.privateKeyPEM.write(toFile: files.path("live.key"), atomically: true, encoding: .utf8)

            let outcome = gateway.gateway.reload(configuration)
            #expect(outcome.status == .rejected)
            let problem = try #require(outcome.problems.first { $0.keyPath == "server.tls.certificates[0].key" }, "\(outcome.problems)")
            #expect(problem.problem.hasPrefix("does not match its certificate"))
            #expect(try await Self.subject(port: gateway.port, client) == "CN=localhost")
            #expect(gateway.gateway.tlsCertificates.first?.notValidAfter == original.notAfter)

            // A missing file is rejected too, naming the file.
            try FileManager.default.removeItem(atPath: files.path("live.key"))
            let missing = gateway.gateway.reload(configuration)
            #expect(missing.status == .rejected)
            #expect(missing.problems.map(\.description) == ["server.tls.certificates[0].key: cannot read \(files.path("live.key")): no such file"])
            #expect(try await Self.subject(port: gateway.port, client) == "CN=localhost")

            // Once the files are right again, the next reload applies them.
            try files.server("live", hosts: ["fixed.localhost", "localhost", "127.0.0.1"])
            #expect(gateway.gateway.reload(configuration).status == .applied)
            #expect(try await Self.subject(port: gateway.port, client) == "CN=fixed.localhost")
        }
    }

    @Test("a reload that edits server.tls applies min_version, a new SNI certificate and hsts to new connections; removing tls needs a restart")
    func reloadEditsTLSSettings() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live")
        try files.server("api", hosts: ["api.example.com"])
        let tls12 = try TLSClientConnection.context(caPath: files.caPath, maximumVersion: .tlsv12)
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        var running: BulwarkConfiguration?
        let yaml = tlsGatewayYAML(files.tlsYAML(["live"]) + "\n  hsts: 1d")
        try await GatewayHarness.with(yaml: yaml, upstreams: [app], configure: { running = $0 }) { gateway in
            let client = try TLSClientConnection.context(caPath: files.caPath)
            #expect(try await Self.status(port: gateway.port, tls12) == 200)
            #expect(try await TLSClientConnection.connect(port: gateway.port, context: client, serverName: "api.example.com").peerSubject == "CN=localhost")

            var edited = try #require(running)
            edited.server.tls?.minimumVersion = .v1_3
            edited.server.tls?.certificates.append(CertificateSettings(certificate: files.path("api.pem"), key: files.path("api.key"), hosts: ["api.example.com"]))
            edited.server.hsts = .seconds(2 * 86_400)
            let outcome = gateway.gateway.reload(edited)
            #expect(outcome.status == .applied, "\(outcome.problems)")
            #expect(outcome.needsRestart.isEmpty)

            #expect(try await Self.status(port: gateway.port, tls12) == nil)
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["protocol_version"] == 1 })
            let api = try await TLSClientConnection.connect(port: gateway.port, context: client, serverName: "api.example.com")
            #expect(api.peerSubject == "CN=api.example.com")
            #expect(try await api.get("/", close: true).header("Strict-Transport-Security") == "max-age=172800")
            #expect(gateway.gateway.tlsCertificates.map(\.subject) == ["CN=localhost", "CN=api.example.com"])

            var plain = edited
            plain.server.tls = nil
            plain.server.hsts = nil
            let refused = gateway.gateway.reload(plain)
            #expect(refused.needsRestart.contains("server.tls"))
            let still = try await TLSClientConnection.connect(port: gateway.port, context: client)
            #expect(try await still.get("/", close: true).status == 200)
        }
    }

    @Test("the watcher keeps the certificate in force when the files change into a broken pair, logs why once, and takes the next good pair")
    func watcherKeepsOldOnBrokenFiles() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live")
        let (logger, logs) = TLSLogRecorder.logger()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let client = try TLSClientConnection.context(caPath: files.caPath)
        let yaml = tlsGatewayYAML(files.tlsYAML(["live"], extra: ["reload_interval: 1s"]))
        try await withLoggedGateway(yaml: yaml, upstream: app, logger: logger) { gateway, port in
            // One file changes (atomically): the certificate in force with another certificate's key.
            let stranger = try files.authority.issueServer(hosts: ["localhost"])
            try stranger.privateKeyPEM.write(toFile: files.path("live.key"), atomically: true, encoding: .utf8)
            let message = "TLS certificate files changed but cannot be used; the certificates in force stay"
            #expect(try await eventually { !logs.lines(message).isEmpty })
            let line = try #require(logs.lines(message).first)
            #expect(line.level == .error)
            #expect("\(line.metadata["problems"] ?? "")".contains("server.tls.certificates[0].key: does not match its certificate"))
            #expect(try await Self.subject(port: port, client) == "CN=localhost")
            #expect(try await TLSClientConnection.connect(port: port, context: client).get("/", close: true).status == 200)

            try files.server("live", hosts: ["good-again.localhost", "localhost", "127.0.0.1"])
            #expect(try await eventually { try await Self.subject(port: port, client) == "CN=good-again.localhost" })
            #expect(logs.lines("TLS certificates reloaded: their files changed").count == 1)
        }
    }

    @Test("a replaced client_ca applies to new handshakes after reload: the new CA's clients get in, the old CA's no longer do")
    func clientCAReload() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live")
        let first = try CertificateAuthority.make(commonName: "First Client CA")
        let second = try CertificateAuthority.make(commonName: "Second Client CA")
        try first.write(certificate: files.path("clients.pem"))
        try files.client("alice", commonName: "alice", by: first)
        try files.client("bob", commonName: "bob", by: second)
        let alice = try TLSClientConnection.context(caPath: files.caPath, certificate: files.path("alice.pem"), key: files.path("alice.key"))
        let bob = try TLSClientConnection.context(caPath: files.caPath, certificate: files.path("bob.pem"), key: files.path("bob.key"))
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok")
        }
        let yaml = tlsGatewayYAML(files.tlsYAML(["live"], extra: ["client_ca: \"\(files.path("clients.pem"))\"", "client_subject_header: X-Client-Subject"]))
        var running: BulwarkConfiguration?
        try await GatewayHarness.with(yaml: yaml, upstreams: [app], configure: { running = $0 }) { gateway in
            let configuration = try #require(running)
            #expect(try await Self.status(port: gateway.port, alice) == 200)
            #expect(seen.request?.header("X-Client-Subject") == "CN=alice")
            #expect(try await Self.status(port: gateway.port, bob) == nil)

            try second.write(certificate: files.path("clients.pem"))
            #expect(gateway.gateway.reload(configuration).status == .applied)
            #expect(try await Self.status(port: gateway.port, bob) == 200)
            #expect(seen.request?.header("X-Client-Subject") == "CN=bob")
            #expect(try await Self.status(port: gateway.port, alice) == nil)
            #expect(gateway.gateway.tlsHandshakeFailures["client_certificate_rejected"] == 2)
        }
    }

    /// The status of `GET /` on a new connection made with `context`, or nil when the handshake or the
    /// exchange failed.
    static func status(port: Int, _ context: NIOSSLContext) async throws -> Int? {
        do {
            let connection = try await TLSClientConnection.connect(port: port, context: context)
            defer { Task { await connection.close() } }
            return try await connection.get("/", close: true).status
        } catch {
            return nil
        }
    }

    @Test("reload under load: clients opening new TLS connections without pause while certificates are swapped five times see no failed request")
    func reloadUnderLoad() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("live", hosts: ["round0.localhost", "localhost", "127.0.0.1"])
        try await Self.withListener(files) { gateway, configuration, client in
            let tally = LoadTally()
            let port = gateway.port
            let keptAlive = try await TLSClientConnection.connect(port: port, context: client)
            defer { Task { await keptAlive.close() } }

            try await withThrowingTaskGroup(of: Void.self) { clients in
                for worker in 0..<6 {
                    clients.addTask {
                        var request = 0
                        while !tally.stopped {
                            request += 1
                            do {
                                let connection = try await TLSClientConnection.connect(port: port, context: client)
                                let response = try await connection.get("/load/\(worker)/\(request)", close: true)
                                await connection.close()
                                if response.status == 200 {
                                    tally.succeeded(subject: connection.peerSubject)
                                } else {
                                    tally.failed("worker \(worker) request \(request): status \(response.status)")
                                }
                            } catch {
                                tally.failed("worker \(worker) request \(request): \(error)")
                            }
                        }
                    }
                }
                defer { tally.stop() }
                for round in 0...5 {
                    let before = tally.successes
                    if round > 0 {
                        try files.server("live", hosts: ["round\(round).localhost", "localhost", "127.0.0.1"], key: round.isMultiple(of: 2) ? .rsa2048 : .ecdsaP256)
                        let outcome = gateway.gateway.reload(configuration)
                        #expect(outcome.status == .applied, "round \(round): \(outcome.problems)")
                    }
                    #expect(try await keptAlive.get("/kept/\(round)").status == 200)
                    // Enough requests after the swap, and one of them shook hands with the new certificate.
                    #expect(try await eventually { tally.successes >= before + 30 }, "round \(round): \(tally.successes - before) requests")
                    #expect(try await eventually { tally.subjects.contains("CN=round\(round).localhost") }, "round \(round): \(tally.subjects)")
                }
                tally.stop()
                try await clients.waitForAll()
            }
            #expect(tally.failures.isEmpty)
            #expect(tally.successes >= 180)
            #expect(tally.subjects == Set((0...5).map { "CN=round\($0).localhost" }))
            #expect(keptAlive.peerSubject == "CN=round0.localhost")
            #expect(gateway.gateway.tlsHandshakeFailures.isEmpty)
        }
    }

    /// What the load clients saw: successes, failures with their reasons, the certificates served.
    final class LoadTally: Sendable {
        private struct State {
            var stopped = false
            var successes = 0
            var failures: [String] = []
            var subjects: Set<String> = []
        }

        private let state = Mutex(State())

        var stopped: Bool { state.withLock { $0.stopped } }
        var successes: Int { state.withLock { $0.successes } }
        var failures: [String] { state.withLock { $0.failures } }
        var subjects: Set<String> { state.withLock { $0.subjects } }

        func stop() { state.withLock { $0.stopped = true } }

        func succeeded(subject: String) {
            state.withLock {
                $0.successes += 1
                $0.subjects.insert(subject)
            }
        }

        func failed(_ reason: String) { state.withLock { $0.failures.append(reason) } }
    }
}
