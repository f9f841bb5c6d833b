import AsyncHTTPClient
import Foundation
import Resilience
import Testing

@testable import BulwarkCredentials

@Suite(.timeLimit(.minutes(1))) struct TokenEndpointClientTests {
    static let secret = "s3cr:t&+/= ü"

    static func credentials(_ server: TokenTestServer, _ method: OAuth2ClientCredentials.AuthMethod, secret: String = secret) -> OAuth2ClientCredentials {
        OAuth2ClientCredentials(
            tokenURL: server.tokenURL, clientID: "bulwark client", clientSecret: secret, authMethod: method,
            scope: "chargers:read chargers:write", audience: "https://api.vendor.example", defaultLifetime: .seconds(120)
        )
    }

    static func server(expiresIn: Int? = 10) async throws -> TokenTestServer {
        try await TokenTestServer.start(.init(clientID: "bulwark client", clientSecret: secret, expiresIn: expiresIn)) { .zero }
    }

    @Test("basic: id and secret form-urlencoded into the Authorization header; scope and audience in the form", arguments: [
        OAuth2ClientCredentials.AuthMethod.basic, .post,
    ])
    func authMethods(method: OAuth2ClientCredentials.AuthMethod) async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let client = try TokenEndpointClient(credentials: Self.credentials(server, method), httpClient: .shared)
        let grant = try await client.fetch()
        #expect(grant.value == "tok-1")
        #expect(grant.lifetime == .seconds(10))
        let seen = try #require(server.tokenRequests.first)
        #expect(seen.authMethod == method.rawValue, "the server checked the id and secret it decoded")
        #expect(seen.contentType == "application/x-www-form-urlencoded")
        #expect(seen.form["grant_type"] == "client_credentials")
        #expect(seen.form["scope"] == "chargers:read chargers:write")
        #expect(seen.form["audience"] == "https://api.vendor.example")
        #expect((seen.form["client_secret"] != nil) == (method == .post))
    }

    @Test("a response without expires_in gets the default lifetime")
    func defaultLifetime() async throws {
        let server = try await Self.server(expiresIn: nil)
        defer { Task { await server.stop() } }
        let grant = try await TokenEndpointClient(credentials: Self.credentials(server, .basic), httpClient: .shared).fetch()
        #expect(grant.lifetime == .seconds(120))
    }

    @Test("a rejected client: status, error and error_description, not transient, no secret")
    func invalidClient() async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let wrong = "wr0ng-s3cret"
        let client = try TokenEndpointClient(credentials: Self.credentials(server, .post, secret: wrong), httpClient: .shared)
        let error = await #expect(throws: TokenEndpointError.self) { try await client.fetch() }
        #expect(error?.code == .httpStatus)
        #expect(error?.httpStatus == 401)
        #expect(error?.oauthError == "invalid_client")
        #expect(error?.isTransient == false)
        #expect(error?.description == "token endpoint: answered 401: invalid_client (Client authentication failed)")
        #expect(!String(describing: error).contains(wrong))
    }

    @Test("5xx without JSON is transient; 200 without JSON is 'not JSON'")
    func notJSON() async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let client = try TokenEndpointClient(credentials: Self.credentials(server, .basic), httpClient: .shared)
        server.update { $0.failure = .status(502, body: "<html>bad gateway</html>") }
        let gateway = await #expect(throws: TokenEndpointError.self) { try await client.fetch() }
        #expect(gateway?.description == "token endpoint: answered 502 (body not JSON)")
        #expect(gateway?.isTransient == true)
        server.update { $0.failure = .status(200, body: "<html>login</html>") }
        let html = await #expect(throws: TokenEndpointError.self) { try await client.fetch() }
        #expect(html?.code == .notJSON)
        #expect(html?.isTransient == false)
    }

    @Test("an endpoint that does not listen is a transient error without the secret")
    func refused() async throws {
        let server = try await Self.server()
        let credentials = Self.credentials(server, .basic)
        await server.stop()
        let error = await #expect(throws: TokenEndpointError.self) {
            try await TokenEndpointClient(credentials: credentials, httpClient: .shared, timeout: .milliseconds(500)).fetch()
        }
        #expect(error?.isTransient == true)
        #expect(!String(describing: error).contains(Self.secret))
        #expect(String(describing: error).contains("request failed: connection refused"), "\(String(describing: error))")
    }

    @Test("BoringSSL's error stack is reduced to its reasons, without codes or source paths")
    func tlsErrorsInWords() {
        struct Stack: Error, CustomStringConvertible {
            var description: String { "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /src/handshake.cc:393]))" }
        }
        #expect(TokenEndpointClient.words(for: Stack()) == "tls failed: certificate verify failed")
    }

    @Test("answers: token_type must be Bearer in any case; expires_in as a number or a string; quoted text loses the secret")
    func parsing() throws {
        func parse(_ json: String, status: Int = 200) throws(TokenEndpointError) -> TokenGrant {
            try TokenResponse.parse(status: status, body: Array(json.utf8), defaultLifetime: .seconds(60), secrets: ["hunter2"])
        }
        #expect(try parse(#"{"access_token":"a","token_type":"bEaReR","expires_in":"90"}"#).lifetime == .seconds(90))
        #expect(try parse(#"{"access_token":"a","token_type":"Bearer","expires_in":1.5}"#).lifetime == .milliseconds(1500))
        #expect(throws: TokenEndpointError.self) { try parse(#"{"access_token":"a","token_type":"mac"}"#) }
        #expect(throws: TokenEndpointError.self) { try parse(#"{"access_token":"a"}"#) }
        #expect(throws: TokenEndpointError.self) { try parse(#"{"token_type":"bearer"}"#) }
        #expect(throws: TokenEndpointError.self) { try parse(#"{"access_token":"a","token_type":"bearer","expires_in":-5}"#) }
        do {
            _ = try parse(#"{"error":"invalid_client","error_description":"secret hunter2 is wrong"}"#, status: 400)
            Issue.record("expected an error")
        } catch {
            #expect(error.oauthErrorDescription == "secret *** is wrong")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("form encoding and the Basic header follow RFC 6749 §2.3.1")
    func encoding() {
        #expect(OAuth2ClientCredentials.formEncoded("a b+c/d:é*-._~") == "a+b%2Bc%2Fd%3A%C3%A9*-._%7E")
        let credentials = OAuth2ClientCredentials(tokenURL: "https://auth.example/token", clientID: "id:1", clientSecret: "p w")
        // base64("id%3A1:p+w")
        #expect(credentials.authorizationHeader() == "Basic aWQlM0ExOnArdw==")
        #expect(credentials.tokenRequestBody() == "grant_type=client_credentials")
    }

    @Test("validation names every problem; the secret never shows")
    func validation() {
        let credentials = OAuth2ClientCredentials(
            tokenURL: "http://auth.example/token", clientID: "", clientSecret: "", scope: "", audience: "",
            defaultLifetime: .zero, renewBefore: .fraction(2), caPath: "/nonexistent/ca.pem"
        )
        #expect(credentials.validationIssues().map(\.keyPath) == [
            "oauth2_client_credentials.token_url", "oauth2_client_credentials.client_id", "oauth2_client_credentials.client_secret",
            "oauth2_client_credentials.scope", "oauth2_client_credentials.audience", "oauth2_client_credentials.default_lifetime",
            "oauth2_client_credentials.renew_before", "oauth2_client_credentials.ca",
        ])
        #expect(OAuth2ClientCredentials(tokenURL: "ftp://x/y", clientID: "a", clientSecret: "b").validationIssues().count == 1)
        #expect(OAuth2ClientCredentials(tokenURL: "http://127.0.0.1:8080/t", clientID: "a", clientSecret: "b").validationIssues().isEmpty)
        let secretive = OAuth2ClientCredentials(tokenURL: "https://auth.example/token", clientID: "a", clientSecret: "TOPSECRET")
        var dumped = ""
        dump(secretive, to: &dumped)
        for text in ["\(secretive)", String(reflecting: secretive), dumped, "\([secretive])"] {
            #expect(!text.contains("TOPSECRET"))
        }
    }
}
