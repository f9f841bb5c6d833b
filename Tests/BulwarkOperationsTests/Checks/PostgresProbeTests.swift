import BulwarkDemo
import BulwarkOperations
import BulwarkTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `PostgresProbe` against a real PostgreSQL server, a closed port and a listener that never answers.
/// Serialized: `PostgresServer.start()` blocks a thread of the cooperative pool while `initdb` runs, and
/// two at once would starve the timing test's timer on this 2-core machine.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PostgresProbeTests {
    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func passesOnARealServerAndFailsWithTheServersReasonThenRefusedOnceItStops() async throws {
        let server = try await PostgresServer.start()
        var stopped = false
        defer { if !stopped { server.stop() } }

        // sslmode=prefer (the default) falls back to plain TCP: the test server has no certificate.
        #expect(try await outcome(server.url()) == .passed(detail: "SELECT 1 returned 1"))
        #expect(try await outcome(server.url() + "?sslmode=disable") == .passed(detail: "SELECT 1 returned 1"))

        let missing = try await outcome(server.url(database: "nope"))
        #expect(missing == .failed(#"database "nope" does not exist (3D000)"#))

        let role = try await outcome("postgres://ghost@127.0.0.1:\(server.port)/postgres")
        #expect(failure(role)?.contains(#"role "ghost" does not exist"#) == true, "\(role)")

        let require = try await outcome(server.url() + "?sslmode=require")
        #expect(require == .failed("the server does not offer TLS, which the sslmode requires"))

        server.stop()
        stopped = true
        let down = try await outcome(server.url())
        #expect(down == .failed("connection refused"))
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func sslModesAgainstAServerWithACertificateFromATestCA() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let files = try DemoTLSFiles.create(hosts: ["localhost", "127.0.0.1"])
        defer { files.remove() }
        try Self.enableTLS(on: server, files: files)
        let base = "postgres://postgres@127.0.0.1:\(server.port)/postgres"
        let passed = ProbeOutcome.passed(detail: "SELECT 1 returned 1")

        #expect(try await outcome(base + "?sslmode=prefer") == passed)
        #expect(try await outcome(base + "?sslmode=require") == passed)   // not verified: the CA is unknown
        #expect(try await outcome(base + "?sslmode=verify-ca&sslrootcert=\(files.caPath)") == passed)
        #expect(try await outcome(base + "?sslmode=verify-full&sslrootcert=\(files.caPath)") == passed)
        let localhost = "postgres://postgres@localhost:\(server.port)/postgres?sslmode=verify-full&sslrootcert=\(files.caPath)"
        #expect(try await outcome(localhost) == passed)

        // The system trust store does not know the test CA.
        let unknownCA = try await outcome(base + "?sslmode=verify-full")
        #expect(failure(unknownCA)?.contains("certificate verify failed") == true, "\(unknownCA)")
        let requireWithRoot = try await outcome(base + "?sslmode=require&sslrootcert=\(files.caPath)")
        #expect(requireWithRoot == passed)
    }

    /// Turns TLS on in `server` with the certificate and key of `files` (copied where the server's user
    /// can read them), and waits until the server has reloaded.
    static func enableTLS(on server: PostgresServer, files: DemoTLSFiles) throws {
        let certificate = server.directory.appendingPathComponent("server.crt").path
        let key = server.directory.appendingPathComponent("server.key").path
        try FileManager.default.copyItem(atPath: files.certificatePath, toPath: certificate)
        try FileManager.default.copyItem(atPath: files.keyPath, toPath: key)
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
        if getuid() == 0 {
            attributes[.ownerAccountName] = "postgres"
            attributes[.groupOwnerAccountName] = "postgres"
        }
        try FileManager.default.setAttributes(attributes, ofItemAtPath: certificate)
        try FileManager.default.setAttributes(attributes, ofItemAtPath: key)
        try server.psql("ALTER SYSTEM SET ssl_cert_file = '\(certificate)'")
        try server.psql("ALTER SYSTEM SET ssl_key_file = '\(key)'")
        try server.psql("ALTER SYSTEM SET ssl = on")
        try server.psql("SELECT pg_reload_conf()")
        // A bounded wait for the reload (SIGHUP is handled asynchronously): new connections then offer TLS.
        for _ in 0..<500 {
            if try server.psql("SHOW ssl").trimmingCharacters(in: .whitespacesAndNewlines) == "on" { return }
            usleep(10_000)
        }
        throw ProbeTestError("PostgreSQL did not turn TLS on; see \(server.directory.path)/log")
    }

    @Test func aClosedPortIsRefusedAndThePasswordIsNeverInTheMessage() async throws {
        let port = try RedisServer.freePort()
        let probe = try PostgresProbe(url: "postgres://monitor:pa%40ss-W0rd@127.0.0.1:\(port)/app")
        let outcome = await probe.probe(timeout: .seconds(2))
        #expect(outcome == .failed("connection refused"))
        #expect(!"\(outcome)".contains("pa@ss-W0rd") && !"\(outcome)".contains("pa%40ss-W0rd"))
    }

    @Test func aServerThatAcceptsButNeverAnswersFailsWithinTheTimeout() async throws {
        let listener = try SilentListener()
        let timeout = Duration.milliseconds(800)
        let probe = try PostgresProbe(url: "postgres://monitor:secret@127.0.0.1:\(listener.port)/app")
        let (outcome, elapsed) = await timed { await probe.probe(timeout: timeout) }
        #expect(outcome == .failed("timed out after 800 ms (connecting and authenticating)"))
        #expect(elapsed < timeout + .seconds(1), "took \(elapsed)")   // a bound, not a speed test
        #expect(!"\(outcome)".contains("secret"))
    }

    @Test func theURLsDefaultsAreLibpqs() throws {
        let probe = try PostgresProbe(url: "postgres://db.internal")
        #expect(probe.host == "db.internal")
        #expect(probe.port == 5432)
        #expect(probe.username == "postgres")
        #expect(probe.database == "postgres")
        #expect(probe.sslMode == .prefer)

        let custom = try PostgresProbe(url: "postgresql://app%20user:x@[::1]:6432/sales%2Ddb?sslmode=verify-full")
        #expect(custom.host == "::1")
        #expect(custom.port == 6432)
        #expect(custom.username == "app user")
        #expect(custom.database == "sales-db")
        #expect(custom.sslMode == .verifyFull)

        #expect(try PostgresProbe(url: "postgres://monitor@db").database == "monitor")
    }

    @Test func anUnusableURLIsRefusedWhenTheProbeIsMadeWithThePasswordMasked() {
        #expect {
            try PostgresProbe(url: "postgres://monitor:hunter2@db/app?sslmode=strict")
        } throws: { error in
            "\(error)" == "invalid postgres URL 'postgres://monitor:***@db/app?sslmode=strict': unknown sslmode 'strict'; use disable, prefer, require, verify-ca, verify-full"
        }
        #expect {
            try PostgresProbe(url: "mysql://db/app")
        } throws: { error in
            "\(error)".hasSuffix("must start with postgres:// or postgresql://")
        }
        #expect {
            try PostgresProbe(url: "postgres://db/app?connect_timeout=3")
        } throws: { error in
            "\(error)".hasSuffix("unknown parameter 'connect_timeout'; known: sslmode, sslrootcert, application_name")
        }
        #expect {
            try PostgresProbe(url: "postgres://db/app?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        } throws: { error in
            "\(error)".hasSuffix("sslrootcert: cannot read /nonexistent/ca.pem")
        }
    }

    private func outcome(_ url: String) async throws -> ProbeOutcome {
        try await PostgresProbe(url: url).probe(timeout: .seconds(5))
    }

    private func failure(_ outcome: ProbeOutcome) -> String? {
        if case .failed(let reason) = outcome { return reason }
        return nil
    }
}
