import BulwarkDemo
import BulwarkGateway
import Foundation
import Testing

/// The HTTPS listener against real clients: Debian's curl and openssl shake hands with the gateway,
/// which proxies to a plain-HTTP demo upstream.
@Suite(
    "HTTPS listener",
    .enabled(if: TLSClientTools.shouldRun, "curl and openssl are not installed (apt-get install curl openssl); under CI=true this fails"),
    .timeLimit(.minutes(1))
)
struct HTTPSListenerTests {
    /// Runs a gateway for `serverLines` in front of an upstream that records the last request.
    static func withListener<T>(
        _ serverLines: String,
        reply: DemoReply = DemoReply(body: "hello over tls"),
        _ body: (GatewayHarness, LastRequest) async throws -> T
    ) async throws -> T {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return reply
        }
        return try await GatewayHarness.with(yaml: tlsGatewayYAML(serverLines), upstreams: [app]) { gateway in
            try await body(gateway, seen)
        }
    }

    @Test("curl --cacert gets the upstream's answer over HTTPS, and the upstream sees X-Forwarded-Proto: https")
    func proxiesOverHTTPS() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"])) { gateway, seen in
            let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/api/items?page=2", ["--cacert", files.caPath])
            #expect(result.status == 0, "\(result.errors)")
            let response = try #require(result.response)
            #expect(response.status == 200)
            #expect(response.body == "hello over tls")
            #expect(response.header("Strict-Transport-Security") == nil)
            let request = try #require(seen.request)
            #expect(request.uri == "/api/items?page=2")
            #expect(request.header("X-Forwarded-Proto") == "https")
        }
    }

    @Test("a client that does not trust the certificate refuses it, and the listener counts the failed handshake")
    func untrustedCertificate() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"])) { gateway, seen in
            // TLS 1.2: curl's unknown_ca alert reaches BoringSSL as an alert.
            let old = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--tlsv1.2", "--tls-max", "1.2"])
            #expect(old.status == 60, "\(old.errors)")
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["certificate_rejected_by_client"] == 1 }, "\(gateway.gateway.tlsHandshakeFailures)")
            // TLS 1.3: OpenSSL sends that alert before it has handshake keys, so BoringSSL sees a record it
            // cannot decrypt; it is counted under the same reason.
            let current = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--tlsv1.3"])
            #expect(current.status == 60, "\(current.errors)")
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["certificate_rejected_by_client"] == 2 }, "\(gateway.gateway.tlsHandshakeFailures)")
            #expect(seen.request == nil)
        }
    }

    @Test("plain HTTP sent to the HTTPS port gets no answer and is counted as not_tls")
    func plainHTTPToTheHTTPSPort() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"])) { gateway, seen in
            let result = try await TLSClientTools.curl("http://127.0.0.1:\(gateway.port)/", [])
            #expect(result.response?.status != 200)
            #expect(seen.request == nil)
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["not_tls"] == 1 })
        }
    }

    @Test("hsts: 180d sends Strict-Transport-Security: max-age=15552000 on HTTPS responses")
    func strictTransportSecurity() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"]) + "\n  hsts: 180d") { gateway, _ in
            let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath])
            let response = try #require(result.response, "\(result.errors)")
            #expect(response.status == 200)
            #expect(response.headerValues("Strict-Transport-Security") == ["max-age=15552000"])
        }
    }

    @Test("HSTS is also sent on the answers the gateway makes itself (502 when the upstream is down)")
    func strictTransportSecurityOnGatewayAnswers() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let yaml = """
            server:
            \(files.tlsYAML(["site"]))
              hsts: 1d
            upstreams:
              down:
                targets: ["http://127.0.0.1:1"]
                retry: { attempts: 1 }
            routes:
              - { path_prefix: /, upstream: down }
            """
        try await GatewayHarness.with(yaml: yaml) { gateway in
            let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath])
            let response = try #require(result.response, "\(result.errors)")
            #expect(response.status == 502)
            #expect(response.header("Strict-Transport-Security") == "max-age=86400")
        }
    }

    @Test("HSTS is sent on the error the connection answers before closing (431 for oversized headers)")
    func strictTransportSecurityOnConnectionErrors() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"]) + "\n  hsts: 1d\n  max_header_size: 1KiB") { gateway, seen in
            let connection = try await TLSClientConnection.connect(port: gateway.port, context: try TLSClientConnection.context(caPath: files.caPath))
            defer { Task { await connection.close() } }
            let response = try await connection.get("/", headers: [("X-Big", String(repeating: "a", count: 4096))])
            #expect(response.status == 431)
            #expect(seen.request == nil)
            #expect(response.header("Strict-Transport-Security") == "max-age=86400")
        }
    }

    @Test("min_version 1.3 refuses a TLS 1.2-only client and counts it under protocol_version; TLS 1.3 is served")
    func minimumVersion() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"], extra: ["min_version: \"1.3\""])) { gateway, seen in
            let old = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath, "--tlsv1.2", "--tls-max", "1.2"])
            #expect(old.status == 35, "\(old.errors)")
            #expect(seen.request == nil)
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["protocol_version"] == 1 })
            let current = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath, "--tlsv1.3"])
            #expect(current.response?.status == 200, "\(current.errors)")
            #expect(gateway.gateway.tlsHandshakeFailures["protocol_version"] == 1)
        }
    }

    @Test("by default TLS 1.2 is accepted")
    func tls12ByDefault() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"])) { gateway, _ in
            let old = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath, "--tlsv1.2", "--tls-max", "1.2"])
            #expect(old.response?.status == 200, "\(old.errors)")
            #expect(gateway.gateway.tlsHandshakeFailures.isEmpty)
        }
    }

    @Test("SNI picks the certificate whose hosts match; no SNI or an unknown name gets the first")
    func serverNameIndication() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site", hosts: ["site.example.com", "localhost", "127.0.0.1"])
        try files.server("api", hosts: ["api.example.com"])
        try files.server("apps", hosts: ["*.apps.example.com"])
        try await Self.withListener(files.tlsYAML(["site", "api", "apps"], hosts: [[], ["api.example.com"]])) { gateway, _ in
            let port = gateway.port
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: "api.example.com", caFile: files.caPath) == "CN = api.example.com")
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: "API.Example.COM", caFile: files.caPath) == "CN = api.example.com")
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: nil, caFile: files.caPath) == "CN = site.example.com")
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: "other.example.com", caFile: files.caPath) == "CN = site.example.com")
            // A wildcard certificate without hosts: is chosen by its own names, for one label only.
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: "shop.apps.example.com", caFile: files.caPath) == "CN = *.apps.example.com")
            #expect(try await TLSClientTools.presentedSubject(port: port, serverName: "a.b.apps.example.com", caFile: files.caPath) == "CN = site.example.com")
            // curl verifies the api certificate for its name end to end.
            let api = try await TLSClientTools.curl("https://api.example.com:\(port)/", ["--cacert", files.caPath, "--resolve", "api.example.com:\(port):127.0.0.1"])
            #expect(api.response?.status == 200, "\(api.errors)")
            let statuses = gateway.gateway.tlsCertificates
            #expect(statuses.map(\.subject) == ["CN=site.example.com", "CN=api.example.com", "CN=*.apps.example.com"])
            #expect(statuses.map(\.hosts) == [["site.example.com", "localhost"], ["api.example.com"], ["*.apps.example.com"]])
        }
    }

    @Test("RSA and ECDSA keys are both served", arguments: CertificateKeyAlgorithm.allCases)
    func keyAlgorithms(key: CertificateKeyAlgorithm) async throws {
        let files = try TLSFixture(authority: try CertificateAuthority.make(commonName: "Bulwark Listener Test CA", key: key))
        defer { files.remove() }
        try files.server("site", key: key)
        try await Self.withListener(files.tlsYAML(["site"])) { gateway, _ in
            for version in ["1.2", "1.3"] {
                let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath, "--tlsv\(version)", "--tls-max", version])
                #expect(result.response?.status == 200, "TLS \(version): \(result.errors)")
            }
        }
    }

    @Test("a full chain with an intermediate verifies against the root alone")
    func fullChain() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        let intermediate = try files.authority.makeIntermediate(commonName: "Bulwark Listener Test Intermediate")
        try files.server("chain", by: intermediate)
        // The same leaf without its intermediate: the root alone cannot verify it, so the chain matters.
        let leafOnly = try intermediate.issueServer(hosts: ["localhost", "127.0.0.1"])
        try leafOnly.write(certificate: files.path("leaf.pem"), key: files.path("leaf.key"), includeChain: false)
        try await Self.withListener(files.tlsYAML(["chain"])) { gateway, _ in
            let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath])
            #expect(result.response?.status == 200, "\(result.errors)")
        }
        try await Self.withListener(files.tlsYAML(["leaf"])) { gateway, _ in
            let result = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", ["--cacert", files.caPath])
            #expect(result.status == 60, "\(result.errors)")
        }
    }

    @Test("mutual TLS: no client certificate or one from another CA is refused and counted; a good one's subject reaches the upstream, a forged header never does")
    func mutualTLS() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let clients = try CertificateAuthority.make(commonName: "Bulwark Client CA")
        try clients.write(certificate: files.path("clients.pem"))
        try files.client("alice", commonName: "alice", organization: "Example", by: clients)
        try files.client("mallory", commonName: "mallory", organization: "Example")   // issued by the server CA, not the client CA
        let yaml = files.tlsYAML(["site"], extra: ["client_ca: \"\(files.path("clients.pem"))\"", "client_subject_header: X-Client-Subject"])
        try await Self.withListener(yaml) { gateway, seen in
            let url = "https://127.0.0.1:\(gateway.port)/whoami"
            let anonymous = try await TLSClientTools.curl(url, ["--cacert", files.caPath])
            #expect(anonymous.response == nil && anonymous.status != 0, "\(anonymous.errors)")
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["client_certificate_missing"] == 1 })

            let stranger = try await TLSClientTools.curl(url, ["--cacert", files.caPath, "--cert", files.path("mallory.pem"), "--key", files.path("mallory.key")])
            #expect(stranger.response == nil && stranger.status != 0, "\(stranger.errors)")
            #expect(try await eventually { gateway.gateway.tlsHandshakeFailures["client_certificate_rejected"] == 1 })
            #expect(seen.request == nil)

            let alice = try await TLSClientTools.curl(url, [
                "--cacert", files.caPath, "--cert", files.path("alice.pem"), "--key", files.path("alice.key"),
                "-H", "X-Client-Subject: forged", "-H", "x-client-subject: CN=admin", "-H", "X_Client_Subject: CN=root",
            ])
            #expect(alice.response?.status == 200, "\(alice.errors)")
            let request = try #require(seen.request)
            #expect(request.headers.filter { $0.name.lowercased() == "x-client-subject" }.map(\.value) == ["CN=alice,O=Example"])
            #expect(request.header("X_Client_Subject") == nil, "the underscore spelling, which CGI-style servers read as the same header, is removed too")
            #expect(gateway.gateway.tlsHandshakeFailures == ["client_certificate_missing": 1, "client_certificate_rejected": 1])
        }
    }

    @Test("client_ca without client_subject_header requires a verified certificate but sets no subject header")
    func subjectHeaderOnlyFromTheCertificate() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try files.client("alice", commonName: "alice")
        // client_ca without client_subject_header: the certificate is required, but no header is set.
        let yaml = files.tlsYAML(["site"], extra: ["client_ca: \"\(files.caPath)\""])
        try await Self.withListener(yaml) { gateway, seen in
            let alice = try await TLSClientTools.curl("https://127.0.0.1:\(gateway.port)/", [
                "--cacert", files.caPath, "--cert", files.path("alice.pem"), "--key", files.path("alice.key"),
            ])
            #expect(alice.response?.status == 200, "\(alice.errors)")
            #expect(seen.request?.header("X-Client-Subject") == nil)
        }
    }

    @Test("redirect_http answers 308 to the same host, path and query on the HTTPS port, which curl -L follows")
    func redirectHTTP() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        try await Self.withListener(files.tlsYAML(["site"]) + "\n  redirect_http: \"127.0.0.1:0\"") { gateway, seen in
            let redirectPort = await gateway.gateway.redirectListeningPort()
            #expect(redirectPort > 0 && redirectPort != gateway.port)
            let response = try await RawHTTP.request("GET", "/path/x?query=1&b=2", port: redirectPort)
            #expect(response.status == 308)
            #expect(response.header("Location") == "https://127.0.0.1:\(gateway.port)/path/x?query=1&b=2")
            #expect(seen.request == nil)
            let named = try await RawHTTP.send("POST /form HTTP/1.1\r\nHost: Shop.Example.com:\(redirectPort)\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", port: redirectPort)
            #expect(named.status == 308)
            #expect(named.header("Location") == "https://shop.example.com:\(gateway.port)/form")

            let followed = try await TLSClientTools.curl("http://127.0.0.1:\(redirectPort)/followed?x=1", ["--cacert", files.caPath, "-L"])
            #expect(followed.status == 0, "\(followed.errors)")
            #expect(followed.response?.status == 308)
            #expect(followed.output.contains("HTTP/1.1 200"))
            #expect(seen.request?.uri == "/followed?x=1")
            #expect(seen.request?.header("X-Forwarded-Proto") == "https")
        }
    }

    @Test("the redirect listener closes a connection that sends nothing within server.header_timeout")
    func redirectListenerTimesOutIdleConnections() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let yaml = files.tlsYAML(["site"]) + "\n  redirect_http: \"127.0.0.1:0\"\n  header_timeout: 300ms"
        try await Self.withListener(yaml) { gateway, _ in
            let redirectPort = await gateway.gateway.redirectListeningPort()
            let silent = try await RawConnection(port: redirectPort)
            let started = ContinuousClock.now
            #expect(try await silent.waitForClose(timeout: .seconds(5)))
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }
}
