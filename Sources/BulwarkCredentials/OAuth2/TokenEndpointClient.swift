import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Resilience
#if canImport(Glibc)
import Glibc
#endif

/// Asks a token endpoint for a token with the client credentials grant (RFC 6749 §4.4) over AsyncHTTPClient.
///
/// ```swift
/// let endpoint = try TokenEndpointClient(credentials: credentials, httpClient: .shared)
/// let grant = try await endpoint.fetch()      // one POST; no retry (the TokenProvider adds it)
/// ```
///
/// Each ``fetch()`` POSTs `grant_type=client_credentials` (with `scope` and `audience` when set) as
/// `application/x-www-form-urlencoded`, authenticating as ``OAuth2ClientCredentials/authMethod`` says,
/// and reads `access_token`, `token_type` (Bearer, any case) and `expires_in` from the JSON answer.
/// Failures throw ``TokenEndpointError``; the secret is never in its message.
public struct TokenEndpointClient: Sendable {
    /// The largest answer read.
    static let maximumResponseBytes = 64 * 1024

    /// The settings used.
    public let credentials: OAuth2ClientCredentials
    /// How long one request may take.
    public let timeout: Duration
    private let httpClient: HTTPClient
    private let tlsConfiguration: TLSConfiguration?

    /// Creates a client for `credentials`.
    /// - Parameters:
    ///   - credentials: the endpoint and client; validated here.
    ///   - httpClient: the client requests go through (not shut down by this type).
    ///   - timeout: how long one request may take. Defaults to 10 s.
    /// - Throws: ``ConfigurationError`` naming every invalid setting, including a CA file that is not PEM.
    public init(
        credentials: OAuth2ClientCredentials,
        httpClient: HTTPClient,
        timeout: Duration = .seconds(10)
    ) throws(ConfigurationError) {
        var issues = credentials.validationIssues()
        if timeout <= .zero { issues.append(ConfigurationIssue(keyPath: "timeout", problem: "must be positive, got \(timeout)")) }
        var tls: TLSConfiguration?
        if let caPath = credentials.caPath, issues.isEmpty {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caPath)
                if certificates.isEmpty { throw NIOSSLError.failedToLoadCertificate }
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.trustRoots = .certificates(certificates)
                tls = configuration
            } catch {
                issues.append(ConfigurationIssue(keyPath: "oauth2_client_credentials.ca", problem: "'\(caPath)' holds no PEM certificate: \(error)"))
            }
        }
        try ConfigurationValidator.check(issues)
        self.credentials = credentials
        self.timeout = timeout
        self.httpClient = httpClient
        self.tlsConfiguration = tls
    }

    /// Requests one token.
    /// - Throws: ``TokenEndpointError``, or `CancellationError` when the task is cancelled.
    public func fetch(logger: Logger? = nil) async throws -> TokenGrant {
        var request = HTTPClientRequest(url: credentials.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization = credentials.authorizationHeader() {
            request.headers.add(name: "Authorization", value: authorization)
        }
        request.body = .bytes(ByteBuffer(string: credentials.tokenRequestBody()))
        request.tlsConfiguration = tlsConfiguration
        let secrets = [credentials.clientSecret, OAuth2ClientCredentials.formEncoded(credentials.clientSecret)]
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(timeout.nanoseconds), logger: logger)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch is NIOTooManyBytesError {
            throw TokenEndpointError(code: .invalidResponse, detail: "answered with a body over \(Self.maximumResponseBytes / 1024) KiB")
        } catch {
            throw Self.transportError(error, timeout: timeout, secrets: secrets)
        }
        return try TokenResponse.parse(
            status: status, body: Array(body.readableBytesView),
            defaultLifetime: credentials.defaultLifetime, secrets: secrets
        )
    }

    /// A failure of the exchange itself, as a ``TokenEndpointError``.
    static func transportError(_ error: any Error, timeout: Duration, secrets: [String]) -> TokenEndpointError {
        if let error = error as? HTTPClientError,
           [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(error) {
            return TokenEndpointError(code: .timeout, detail: "no answer within \(timeout.humanReadable) (\(error))")
        }
        return TokenEndpointError(code: .transport, detail: "request failed: \(TokenResponse.quoted(Self.words(for: error), without: secrets))")
    }

    /// A transport error in words: `connection refused`, `tls failed: certificate verify failed`,
    /// rather than NIO's nested error dump or BoringSSL's stack with its source paths.
    static func words(for error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return NetworkErrorText.words(in: String(describing: error))
    }
}
