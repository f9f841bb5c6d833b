import BulwarkDemo
import Foundation
import Testing

/// The admin API against browsers it did not serve: DNS rebinding (a foreign `Host`) gets 421 without a
/// token; cross-site POSTs get 403 with or without one; token-less POSTs need `X-Bulwark-Admin: 1`.
@Suite(.timeLimit(.minutes(1)))
struct AdminExposureTests {
    static let yaml = """
        admin: { allowed_hosts: [bulwark.internal] }
        upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
        """

    static func withAdmin(token: String? = nil, _ body: (OperationsHarness) async throws -> Void) async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let environment = token.map { ["BULWARK_ADMIN_TOKEN": $0] } ?? [:]
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app], environment: environment, body)
    }

    static func breakerState(_ harness: OperationsHarness, token: String? = nil) async throws -> String? {
        (try await harness.json("/api/circuits", token: token)["circuits"] as? [[String: Any]])?.first?["state"] as? String
    }

    @Test func withoutATokenAForeignHostIsMisdirected() async throws {
        try await Self.withAdmin { harness in
            let port = harness.adminPort
            for host in ["evil.example:\(port)", "evil.example", "127.0.0.1:\(port + 1)", "localhost:80", "127.0.0.1.nip.io:\(port)",
                         "10.0.0.7:\(port)", "localhost:\(port)x", "[::2]:\(port)"] {
                for path in ["/api/system", "/metrics", "/", "/health/live", "/health/ready"] {
                    let reply = try await harness.admin(.GET, path, headers: [("Host", host)])
                    #expect(reply.status == 421, "GET \(path) with Host \(host)")
                    if path == "/api/system" {
                        let body = try reply.object()
                        #expect(body["status"] as? Int == 421)
                        #expect((body["error"] as? String)?.contains("admin listener") == true, "\(body)")
                    }
                }
            }
            let rebound = try await harness.admin(.POST, "/api/circuits/app/open", headers: [("Host", "evil.example:\(port)")])
            #expect(rebound.status == 421)
            #expect(try await Self.breakerState(harness) == "closed")
            for host in ["127.0.0.1:\(port)", "127.0.0.1", "localhost:\(port)", "LocalHost", "[::1]:\(port)", "bulwark.internal:\(port)", "Bulwark.Internal"] {
                #expect(try await harness.admin(.GET, "/api/system", headers: [("Host", host)]).status == 200, "Host \(host)")
            }
        }
    }

    @Test func withoutATokenPostsNeedTheAdminHeaderAndTheirOwnOrigin() async throws {
        try await Self.withAdmin { harness in
            let own = "http://127.0.0.1:\(harness.adminPort)"
            let bare = try await harness.admin(.POST, "/api/circuits/app/open", intent: false)
            #expect(bare.status == 403)
            #expect((try bare.object()["error"] as? String)?.contains("X-Bulwark-Admin: 1") == true)
            #expect(try await harness.admin(.POST, "/api/circuits/app/open", headers: [("X-Bulwark-Admin", "yes")]).status == 403)
            for origin in ["http://evil.example", "null", "http://127.0.0.1:\(harness.adminPort + 1)", "\(own).evil.example"] {
                let crossSite = try await harness.admin(.POST, "/api/circuits/app/open", headers: [("Origin", origin)])
                #expect(crossSite.status == 403, "Origin \(origin)")
            }
            #expect(try await Self.breakerState(harness) == "closed")
            // Done right: the dashboard's way (same origin, with the header), and a script's (no Origin).
            #expect(try await harness.admin(.POST, "/api/circuits/app/open", headers: [("Origin", own)]).status == 200)
            #expect(try await Self.breakerState(harness) == "forced_open")
            #expect(try await harness.admin(.POST, "/api/circuits/app/reset").status == 200)
            #expect(try await Self.breakerState(harness) == "closed")
            // GETs need neither the header nor an Origin check.
            #expect(try await harness.admin(.GET, "/api/circuits", intent: false, headers: [("Origin", "http://evil.example")]).status == 200)
        }
    }

    @Test func withATokenHostIsFreeButCrossSitePostsAreRefused() async throws {
        try await Self.withAdmin(token: "t0ken") { harness in
            let pod = "10.1.2.3:\(harness.adminPort)"
            #expect(try await harness.admin(.GET, "/health/ready", intent: false, headers: [("Host", pod)]).status == 200)
            #expect(try await harness.admin(.GET, "/metrics", token: "t0ken", intent: false, headers: [("Host", pod)]).status == 200)
            #expect(try await harness.admin(.GET, "/api/system", intent: false, headers: [("Host", "evil.example")]).status == 401)
            let crossSite = try await harness.admin(.POST, "/api/circuits/app/open", token: "t0ken", intent: false,
                                                    headers: [("Host", pod), ("Origin", "http://evil.example")])
            #expect(crossSite.status == 403)
            #expect(try await Self.breakerState(harness, token: "t0ken") == "closed")
            let sameSite = try await harness.admin(.POST, "/api/circuits/app/open", token: "t0ken", intent: false,
                                                   headers: [("Host", pod), ("Origin", "https://\(pod)")])
            #expect(sameSite.status == 200)
            #expect(try await harness.admin(.POST, "/api/circuits/app/close", token: "t0ken", intent: false).status == 200)
            #expect(try await Self.breakerState(harness, token: "t0ken") == "closed")
        }
    }
}
