import BulwarkConfig
import BulwarkDemo
import BulwarkOperations
import BulwarkTestSupport
import Foundation
import Testing

/// `HTTPProbe` against real local servers: DemoUpstream for plain HTTP, an HTTPS server with a
/// certificate from a throwaway CA, a closed port, and a listener that never answers.
@Suite(.timeLimit(.minutes(1)))
struct HTTPProbeTests {
    /// Makes a probe, runs it once, shuts it down.
    static func outcome(
        _ url: String, expectStatus: [Int] = DependencyCheckSettings.Defaults.expectStatus,
        tls: UpstreamTLSSettings = UpstreamTLSSettings(), timeout: Duration = .seconds(2)
    ) async throws -> ProbeOutcome {
        let probe = try HTTPProbe(url: url, expectStatus: expectStatus, tls: tls, timeout: timeout)
        let outcome = await probe.probe(timeout: timeout)
        await probe.shutdown()
        return outcome
    }

    @Test func theStatusDecides() async throws {
        let upstream = try await DemoUpstream.start { request in
            switch request.uri {
            case "/ok": DemoReply(status: 200, body: String(repeating: "x", count: 200_000))
            case "/moved": DemoReply(status: 301, headers: [("Location", "/ok")])
            default: DemoReply(status: 503)
            }
        }
        let base = "http://127.0.0.1:\(upstream.port)"

        #expect(try await Self.outcome("\(base)/ok") == .passed(detail: "HTTP 200"))   // a 200 KB body: 64 KiB read
        #expect(try await Self.outcome("\(base)/down") == .failed("HTTP 503, expected 2xx"))
        #expect(try await Self.outcome("\(base)/down", expectStatus: [503]) == .passed(detail: "HTTP 503"))
        #expect(try await Self.outcome("\(base)/down", expectStatus: [200, 204]) == .failed("HTTP 503, expected 200, 204"))
        // Redirects are not followed.
        #expect(try await Self.outcome("\(base)/moved") == .failed("HTTP 301, expected 2xx"))
        await upstream.stop()
    }

    @Test func theURLsCredentialsGoInBasicAuthAndNeverInAMessage() async throws {
        let seen = Inbox()
        let upstream = try await DemoUpstream.start { request in
            seen.add(request.header("Authorization") ?? "")
            return DemoReply(status: 503)
        }

        let outcome = try await Self.outcome("http://monitor:p%40ss-W0rd@127.0.0.1:\(upstream.port)/status")
        #expect(outcome == .failed("HTTP 503, expected 2xx"))
        #expect(seen.all == ["Basic " + Data("monitor:p@ss-W0rd".utf8).base64EncodedString()])
        await upstream.stop()

        let closed = try await Self.outcome("http://monitor:p%40ss-W0rd@127.0.0.1:\(try RedisServer.freePort())/")
        #expect(closed == .failed("connection refused"))
    }

    @Test func aServerThatNeverAnswersFailsWithinTheTimeout() async throws {
        let listener = try SilentListener()
        let timeout = Duration.milliseconds(800)
        let (outcome, elapsed) = try await timed { try await Self.outcome("http://127.0.0.1:\(listener.port)/", timeout: timeout) }
        #expect(outcome == .failed("timed out after 800 ms"))
        #expect(elapsed < timeout + .seconds(1), "took \(elapsed)")
    }

    @Test func httpsVerifiesAgainstTheConfiguredCAOrNotAtAllWhenTold() async throws {
        let files = try DemoTLSFiles.create(hosts: ["localhost", "127.0.0.1"])
        defer { files.remove() }
        let server = try await HTTPSTestServer.start(certificatePath: files.certificatePath, keyPath: files.keyPath)
        let url = "https://127.0.0.1:\(server.port)/health"

        var trusted = UpstreamTLSSettings()
        trusted.ca = files.caPath
        #expect(try await Self.outcome(url, tls: trusted) == .passed(detail: "HTTP 200"))

        // The system trust store does not know the demo CA.
        #expect(try await Self.outcome(url) == .failed("tls failed: certificate verify failed"))

        var unverified = UpstreamTLSSettings()
        unverified.verify = false
        #expect(try await Self.outcome(url, tls: unverified) == .passed(detail: "HTTP 200"))
        await server.stop()
    }

    @Test func serverNameIsVerifiedWhileTheURLsHostIsDialled() async throws {
        let files = try DemoTLSFiles.create(hosts: ["status.vendor.example"])
        defer { files.remove() }
        let server = try await HTTPSTestServer.start(certificatePath: files.certificatePath, keyPath: files.keyPath)
        let url = "https://127.0.0.1:\(server.port)/"

        var settings = UpstreamTLSSettings()
        settings.ca = files.caPath
        #expect(try await Self.outcome(url, tls: settings) == .failed("tls failed: the certificate does not name 127.0.0.1"))

        settings.serverName = "status.vendor.example"
        #expect(try await Self.outcome(url, tls: settings) == .passed(detail: "HTTP 200"))
        #expect(server.seenHosts.last == "127.0.0.1:\(server.port)")
        await server.stop()
    }

    @Test func anUnusableURLOrTLSFileIsRefusedWhenTheProbeIsMade() {
        #expect { try HTTPProbe(url: "ftp://files.example/") } throws: { "\($0)".hasSuffix("must start with http:// or https://") }
        #expect { try HTTPProbe(url: "https://u:hunter2@api.example/", expectStatus: []) } throws: { error in
            "\(error)" == "invalid http URL 'https://u:***@api.example/': expect_status is empty: no status could pass"
        }
        var tls = UpstreamTLSSettings()
        tls.ca = "/nonexistent/ca.pem"
        #expect { try HTTPProbe(url: "https://api.example/", tls: tls) } throws: { "\($0)".contains("tls.ca: cannot read /nonexistent/ca.pem") }
    }
}
