import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Resilience
import Testing

/// What `bulwark check` reports about the listener's certificate files: each problem with its key path,
/// read the way the gateway reads them at start.
@Suite("TLS files in bulwark check", .timeLimit(.minutes(1)))
struct TLSConfigCheckTests {
    /// A configuration whose `server.tls` serves `entries` (YAML flow mappings).
    static func configuration(_ entries: [String], extra: [String] = []) throws -> BulwarkConfiguration {
        let lines = entries.map { "      - \($0)" } + extra.map { "    \($0)" }
        return try BulwarkConfiguration.parse(yaml: "server:\n  listen: \"127.0.0.1:0\"\n  tls:\n    certificates:\n" + lines.joined(separator: "\n"))
    }

    static func entry(_ files: TLSFixture, _ name: String, key: String? = nil, hosts: [String] = []) -> String {
        let hostList = hosts.isEmpty ? "" : ", hosts: [\(hosts.joined(separator: ", "))]"
        return "{ cert: \"\(files.path("\(name).pem"))\", key: \"\(files.path("\(key ?? name).key"))\"\(hostList) }"
    }

    /// Writes `expired` (ended a day ago), `mismatched` (with another certificate's key), `narrow` (for
    /// localhost only) and `good`.
    static func writeProblemFiles(_ files: TLSFixture) throws {
        let now = Date()
        let expired = try files.authority.issueServer(hosts: ["expired.localhost"], notBefore: now.addingTimeInterval(-30 * 86_400), notAfter: now.addingTimeInterval(-86_400))
        try expired.write(certificate: files.path("expired.pem"), key: files.path("expired.key"))
        try files.server("mismatched")
        try files.server("other")
        try files.server("narrow", hosts: ["localhost"])
        try files.server("good")
    }

    @Test("an expired certificate, a key that does not match, a host the certificate does not cover and a missing file are each reported with their key path")
    func problemsHaveKeyPaths() throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try Self.writeProblemFiles(files)
        let configuration = try Self.configuration([
            Self.entry(files, "expired"),
            Self.entry(files, "mismatched", key: "other"),
            Self.entry(files, "narrow", hosts: ["api.example.com", "localhost"]),
            "{ cert: \"\(files.path("absent.pem"))\", key: \"\(files.path("good.key"))\" }",
            Self.entry(files, "good"),
        ], extra: ["client_ca: \"\(files.path("good.key"))\""])
        let problems = Gateway.tlsProblems(in: configuration)
        let byPath = Dictionary(grouping: problems, by: \.keyPath).mapValues { $0.map(\.problem) }
        #expect(byPath.keys.sorted() == [
            "server.tls.certificates[0].cert", "server.tls.certificates[1].key", "server.tls.certificates[2].hosts[0]",
            "server.tls.certificates[3].cert", "server.tls.client_ca",
        ], "\(problems)")
        #expect(byPath["server.tls.certificates[0].cert"]?.first?.hasPrefix("expired on ") == true)
        #expect(byPath["server.tls.certificates[0].cert"]?.first?.hasSuffix("(CN=expired.localhost)") == true)
        #expect(byPath["server.tls.certificates[1].key"] == ["does not match its certificate (\(files.path("mismatched.pem")))"])
        #expect(byPath["server.tls.certificates[2].hosts[0]"] == ["'api.example.com' is not among the certificate's names (localhost)"])
        #expect(byPath["server.tls.certificates[3].cert"] == ["cannot read \(files.path("absent.pem")): no such file"])
        #expect(byPath["server.tls.client_ca"]?.count == 1)
    }

    @Test("good files have no problems; the same files checked at a later time are expired (the clock is injected)")
    func expiryFollowsTheInjectedTime() throws {
        let files = try TLSFixture()
        defer { files.remove() }
        let good = try files.server("good")
        try files.client("client", commonName: "ignored")
        let configuration = try Self.configuration([Self.entry(files, "good")], extra: ["client_ca: \"\(files.caPath)\""])
        #expect(Gateway.tlsProblems(in: configuration).isEmpty)
        #expect(Gateway.tlsProblems(in: configuration, now: good.notAfter.addingTimeInterval(-1)).isEmpty)
        let later = Gateway.tlsProblems(in: configuration, now: good.notAfter.addingTimeInterval(1))
        #expect(later.map(\.keyPath) == ["server.tls.certificates[0].cert"])
        #expect(later.first?.problem.hasPrefix("expired on ") == true)
        #expect(Gateway.tlsProblems(in: try BulwarkConfiguration.parse(yaml: "server: { listen: '127.0.0.1:0' }")).isEmpty)
    }

    @Test("a gateway will not start on files with problems, and says which")
    func gatewayRefusesToStart() throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try Self.writeProblemFiles(files)
        let configuration = try Self.configuration([Self.entry(files, "good"), Self.entry(files, "mismatched", key: "other")])
        do {
            _ = try Gateway(configuration: configuration)
            Issue.record("the gateway started with a key that does not match its certificate")
        } catch let error as ConfigurationError {
            #expect(error.issues.map(\.keyPath) == ["server.tls.certificates[1].key"])
        }
    }

    @Test("an expired certificate is served at start (one stale name must not take the others down), shown in the statuses; a reload refuses to install one")
    func expiredServedAtStartRefusedOnReload() throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try Self.writeProblemFiles(files)
        let configuration = try Self.configuration([Self.entry(files, "good"), Self.entry(files, "expired")])
        let gateway = try Gateway(configuration: configuration)
        let expired = try #require(gateway.tlsCertificates.first { $0.index == 1 })
        #expect(expired.notValidAfter < Date())
        #expect(Gateway.tlsProblems(in: configuration).map(\.keyPath) == ["server.tls.certificates[1].cert"])

        let renewed = try Self.configuration([Self.entry(files, "good"), Self.entry(files, "narrow")])
        #expect(gateway.reload(renewed).status == .applied)
        let outcome = gateway.reload(configuration)
        #expect(outcome.status == .rejected)
        #expect(outcome.problems.map(\.keyPath) == ["server.tls.certificates[1].cert"])
    }

    @Test("the upstreams' files and token URLs are checked too: what bulwark serve would refuse, bulwark check reports")
    func upstreamProblems() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            upstreams:
              v:
                targets: ["https://127.0.0.1:9"]
                tls: { ca: /nonexistent/ca.pem }
              w:
                targets: ["https://127.0.0.1:9"]
                credentials:
                  oauth2_client_credentials: { token_url: "http://auth.example.com/token", client_id: a, client_secret: hunter2 }
              ok:
                targets: ["http://127.0.0.1:9"]
            routes:
              - { path_prefix: /v, upstream: v }
              - { path_prefix: /w, upstream: w }
              - { path_prefix: /, upstream: ok }
            """)
        let problems = Gateway.tlsProblems(in: configuration)
        #expect(problems.map(\.keyPath) == ["upstreams.v.tls.ca", "upstreams.w.credentials.oauth2_client_credentials.token_url"], "\(problems)")
        #expect(!"\(problems)".contains("hunter2"))
    }

    @Test("bulwark check prints each certificate problem with its key path and exits 1")
    func binaryCheck() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try Self.writeProblemFiles(files)
        let path = files.path("bulwark.yaml")
        try """
        server:
          listen: "127.0.0.1:0"
          tls:
            certificates:
              - \(Self.entry(files, "expired"))
              - \(Self.entry(files, "mismatched", key: "other"))
        upstreams:
          app:
            targets: ["http://127.0.0.1:3001"]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try BinaryRunner(["check", "--config", path])
        let status = try await run.waitForExit()
        let errors = run.standardError
        #expect(status == 1)
        #expect(errors.contains("2 problems"), "\(errors)")
        #expect(errors.contains("server.tls.certificates[0].cert: expired on "), "\(errors)")
        #expect(errors.contains("server.tls.certificates[1].key: does not match its certificate (\(files.path("mismatched.pem")))"), "\(errors)")
    }
}
