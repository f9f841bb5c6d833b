import BulwarkConfig
import BulwarkCredentials
import BulwarkDemo
@testable import BulwarkGateway
import Foundation
import Resilience
import Testing

/// `upstreams.NAME.credentials` end to end: a real gateway, a real local token endpoint and a real API
/// that checks the token.
@Suite("Upstream credentials", .timeLimit(.minutes(1)))
struct UpstreamCredentialsTests {
    static func yaml(credentials extra: String = "", upstream: String = "") -> String {
        """
        upstreams:
          vendor:
            targets: ["http://127.0.0.1:PORT1"]
            credentials:
              oauth2_client_credentials:
                token_url: http://127.0.0.1:PORT0/oauth/token
                client_id: bulwark
                client_secret: s3cret-value
        \(extra.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        \(upstream.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    @Test("the gateway's token replaces the client's Authorization; one token serves every request; basic client authentication")
    func injected() async throws {
        let authority = TokenAuthority()
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: try await authority.start()) { harness in
            for _ in 0..<5 {
                let response = try await harness.get("/items", headers: [("Authorization", "Bearer client-own")])
                #expect(response.status == 200)
                #expect(response.body == "ok tok-1")
            }
            #expect(authority.apiRequests.allSatisfy { $0.header("Authorization") == "Bearer tok-1" })
            #expect(authority.tokenRequestCount == 1)
            let tokenRequest = try #require(authority.lastTokenRequest)
            #expect(tokenRequest.method == "POST")
            #expect(tokenRequest.header("Authorization") == "Basic " + Data("bulwark:s3cret-value".utf8).base64EncodedString())
            #expect(String(decoding: tokenRequest.bodyPrefix, as: UTF8.self).contains("grant_type=client_credentials"))
        }
    }

    @Test("a 401 to the gateway's token: one refresh, the request tried again and answered 200")
    func unauthorizedRefreshesOnce() async throws {
        let authority = TokenAuthority()
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: try await authority.start()) { harness in
            #expect(try await harness.get("/a").body == "ok tok-1")
            authority.revokeAll()
            let response = try await harness.get("/b")
            #expect(response.status == 200)
            #expect(response.body == "ok tok-2")
            #expect(authority.tokenRequestCount == 2)
            #expect(authority.apiRequests.map { $0.header("Authorization") ?? "" } == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"])
            // Refused again within a second of that refresh: no second refresh (no storm), and no retry
            // with the same token: the 401 goes to the client at once.
            authority.revokeAll()
            let again = try await harness.get("/c")
            #expect(again.status == 401)
            #expect(authority.apiRequests.count == 4)
            #expect(authority.tokenRequestCount == 2)
        }
    }

    @Test("a 401 for a request whose body cannot be replayed goes to the client, and the next request gets a fresh token")
    func unauthorizedWithUnreplayableBody() async throws {
        let authority = TokenAuthority()
        let yaml = Self.yaml(upstream: "retry: { buffer_limit: 16B, methods: [POST] }")
        try await GatewayHarness.with(yaml: yaml, upstreams: try await authority.start()) { harness in
            #expect(try await harness.get("/a").status == 200)
            authority.revokeAll()
            let body = String(repeating: "x", count: 200)
            let response = try await RawHTTP.request("POST", "/upload", port: harness.port, body: body)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate") != nil)
            #expect(try await eventually { authority.tokenRequestCount == 2 })
            #expect(try await harness.get("/c").body == "ok tok-2")
        }
    }

    @Test("200 concurrent requests while no token exists wait for one fetch")
    func singleFlight() async throws {
        let authority = TokenAuthority(tokenDelay: .milliseconds(300))
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: try await authority.start()) { harness in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask { try await harness.get("/item/\(index)").status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            #expect(authority.tokenRequestCount == 1)
        }
    }

    @Test("a token endpoint that fails: 503 with a body that says the upstream's credentials are unavailable, no secret in it")
    func endpointDown() async throws {
        let authority = TokenAuthority()
        authority.setFailing(true)
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: try await authority.start()) { harness in
            let response = try await harness.get("/a", headers: [("Authorization", "Bearer client-own")])
            #expect(response.status == 503)
            #expect(response.body.contains("credentials for upstream 'vendor' are unavailable"), "\(response.body)")
            #expect(!response.body.contains("s3cret"))
            #expect(authority.apiRequests.isEmpty)
            let status = try #require(harness.gateway.upstreams.first?.credentialStatus)
            #expect(!status.hasValidToken)
            #expect(status.isFailing)
            // Once the endpoint's breaker is open, what the endpoint last said is still shown.
            for _ in 0..<3 { _ = try await harness.get("/again") }
            let later = try await harness.get("/later")
            #expect(later.status == 503)
            #expect(later.body.contains("temporarily_unavailable"), "\(later.body)")
            let message = harness.gateway.upstreams.first?.credentialStatus?.lastRefresh?.failure?.message ?? ""
            #expect(message.contains("circuit breaker") && message.contains("temporarily_unavailable"), "\(message)")
            // It recovers by itself once the endpoint does (the breaker's open period aside).
            authority.setFailing(false)
        }
    }

    @Test("pass_client_authorization: a client's own Authorization goes through untouched (a 401 to it is the client's); without one the gateway's token is used")
    func passClientAuthorization() async throws {
        let authority = TokenAuthority()
        try await GatewayHarness.with(yaml: Self.yaml(credentials: "pass_client_authorization: true"), upstreams: try await authority.start()) { harness in
            let own = try await harness.get("/a", headers: [("Authorization", "Bearer client-own")])
            #expect(own.status == 401)
            #expect(authority.apiRequests.last?.header("Authorization") == "Bearer client-own")
            let none = try await harness.get("/b")
            #expect(none.body == "ok tok-1")
            #expect(authority.tokenRequestCount == 1)
        }
    }

    @Test("auth_method post: client_id and client_secret in the form body, no Basic header; scope and audience sent")
    func postAuthentication() async throws {
        let authority = TokenAuthority()
        let yaml = Self.yaml().replacingOccurrences(
            of: "client_secret: s3cret-value",
            with: "client_secret: s3cret-value\n        auth_method: post\n        scope: \"chargers:read\"\n        audience: https://api.vendor.com"
        )
        try await GatewayHarness.with(yaml: yaml, upstreams: try await authority.start()) { harness in
            #expect(try await harness.get("/a").status == 200)
            let request = try #require(authority.lastTokenRequest)
            let form = String(decoding: request.bodyPrefix, as: UTF8.self)
            #expect(request.header("Authorization") == nil)
            for field in ["grant_type=client_credentials", "client_id=bulwark", "client_secret=s3cret-value", "scope=chargers%3Aread", "audience=https%3A%2F%2Fapi.vendor.com"] {
                #expect(form.contains(field), "\(field) in \(form)")
            }
        }
    }

    @Test("a short-lived token is renewed before it expires, without a request waiting")
    func renewedBeforeExpiry() async throws {
        let authority = TokenAuthority()
        authority.state.withLock { $0.expiresIn = 2 }
        try await GatewayHarness.with(yaml: Self.yaml(credentials: "renew_before: 50%"), upstreams: try await authority.start()) { harness in
            let first = try await harness.get("/a")
            #expect(first.body == "ok tok-1")
            let renewed = try await eventually(within: .seconds(5)) { authority.tokenRequestCount >= 2 }
            #expect(renewed)
            let second = try await harness.get("/b")
            #expect(second.body == "ok tok-2")
        }
    }

    @Test("the token endpoint going down: the current token serves until it expires, then 503")
    func endpointDownAfterStart() async throws {
        let authority = TokenAuthority()
        authority.state.withLock { $0.expiresIn = 2 }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: try await authority.start()) { harness in
            #expect(try await harness.get("/a").body == "ok tok-1")
            authority.setFailing(true)
            #expect(try await harness.get("/b").body == "ok tok-1")
            let refused = try await eventually(within: .seconds(8)) {
                let response = try await harness.get("/c")
                return response.status == 503
            }
            #expect(refused)
            let valid: Bool? = harness.gateway.upstreams.first?.credentialStatus?.hasValidToken
            #expect(valid == false)
        }
    }

    @Test("a slow token endpoint costs no target anything: the wait is before a target is picked, so per_try_timeout does not run")
    func slowTokenEndpointIsNotTheTargets() async throws {
        let authority = TokenAuthority(tokenDelay: .milliseconds(800))
        let yaml = Self.yaml(upstream: "retry: { attempts: 2, per_try_timeout: 100ms }\noutlier_detection: { consecutive_failures: 1 }")
        try await GatewayHarness.with(yaml: yaml, upstreams: try await authority.start()) { harness in
            let response = try await harness.get("/a")
            #expect(response.status == 200)
            #expect(response.body == "ok tok-1")
            let target = try #require(harness.gateway.upstreams.first?.targets.first)
            #expect(!target.isEjected(at: Gateway.monotonicNow()))
            #expect(authority.apiRequests.count == 1)
        }
    }

    @Test("a reload that changes the upstream's other settings keeps its token; one that changes the credentials fetches a new one")
    func reloadKeepsToken() async throws {
        let authority = TokenAuthority()
        let upstreams = try await authority.start()
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: upstreams) { harness in
            let first = try await harness.get("/a")
            #expect(first.body == "ok tok-1")
            func load(_ yaml: String) throws -> BulwarkConfiguration {
                var text = yaml
                for (index, upstream) in upstreams.enumerated().reversed() { text = text.replacingOccurrences(of: "PORT\(index)", with: "\(upstream.port)") }
                var configuration = try BulwarkConfiguration.parse(yaml: text)
                configuration.server = harness.gateway.configuration.server
                return configuration
            }
            let retried = harness.gateway.reload(try load(Self.yaml(upstream: "retry: { attempts: 3 }")))
            #expect(retried.status == .applied)
            let second = try await harness.get("/b")
            #expect(second.body == "ok tok-1")
            #expect(authority.tokenRequestCount == 1)
            let rescoped = harness.gateway.reload(try load(Self.yaml(credentials: "renew_before: 20%")))
            #expect(rescoped.status == .applied)
            let third = try await harness.get("/c")
            #expect(third.body == "ok tok-2")
            #expect(authority.tokenRequestCount == 2)
        }
    }

    @Test("a token endpoint CA that is missing or not PEM is a configuration problem under the upstream's credentials key path")
    func badCertificateAuthority() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-credentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = directory.appendingPathComponent("ca.pem").path
        try "not a certificate".write(toFile: notPEM, atomically: true, encoding: .utf8)
        for ca in [notPEM, directory.appendingPathComponent("missing.pem").path] {
            let yaml = Self.yaml().replacingOccurrences(of: "PORT0", with: "1").replacingOccurrences(of: "PORT1", with: "2")
                .replacingOccurrences(of: "client_secret: s3cret-value", with: "client_secret: s3cret-value\n        ca: \(ca)")
            let configuration = try BulwarkConfiguration.parse(yaml: yaml)
            do {
                _ = try Gateway(configuration: configuration)
                Issue.record("the gateway started with token endpoint CA \(ca)")
            } catch let error as ConfigurationError {
                #expect(error.issues.map(\.keyPath) == ["upstreams.vendor.credentials.oauth2_client_credentials.ca"], "\(error.issues)")
                #expect(!"\(error)".contains("s3cret"))
            }
        }
    }

    @Test("an API-key header replaces the client's value")
    func apiKeyHeader() async throws {
        let seen = LastRequest()
        let api = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok")
        }
        let yaml = """
            upstreams:
              legacy:
                targets: ["http://127.0.0.1:PORT0"]
                credentials: { header: X-Api-Key, value: gateway-key }
            """
        try await GatewayHarness.with(yaml: yaml, upstreams: [api]) { harness in
            let response = try await harness.get("/a", headers: [("X-Api-Key", "client-key")])
            #expect(response.status == 200)
            let keys = seen.request?.headers.filter { $0.name.lowercased() == "x-api-key" }.map(\.value)
            #expect(keys == ["gateway-key"])
            let status: CredentialStatus? = harness.gateway.upstreams.first?.credentialStatus
            #expect(status == nil)
        }
    }
}
