import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Resilience

/// Sends AsyncHTTPClient requests with `Authorization: Bearer <token>` from a ``TokenProvider``, through a
/// resilience pipeline, and recovers once from a 401.
///
/// ```swift
/// let api = try AuthorizedHTTPClient(httpClient: .shared, tokenProvider: provider, preset: .externalAPI(name: "vendor"))
/// var request = HTTPClientRequest(url: "https://api.vendor.com/chargers")
/// let response = try await api.execute(request, timeout: .seconds(30))
/// ```
///
/// Each call runs as `token → pipeline { request }`, and on a 401 `refresh → pipeline { request }` once:
/// - the header replaces any `Authorization` the request carries;
/// - with a preset, each host gets its own pipeline (`retry → circuit breaker → call timeout`, breaker named
///   `<preset name>:<host>`); network errors (``NetworkErrors/isTransient(_:)``), timeouts, 5xx and 429 are
///   retried as the preset says;
/// - a 401 reports the token to the provider (one refresh, however many requests saw it) and the request is
///   sent again once with the new token when its body can be sent again: no body, or one given as bytes
///   through ``execute(_:body:timeout:logger:)``. A request whose ``HTTPClientRequest/body`` is set is
///   treated as streamed: it is sent once, never retried, and its 401 is returned.
public final class AuthorizedHTTPClient: Sendable {
    /// The client requests go through (not shut down by this type).
    public let httpClient: HTTPClient
    /// Where tokens come from.
    public let tokenProvider: TokenProvider
    private let pipelines: HostPipelines

    /// Sends requests through a pipeline per host built from `preset`.
    /// - Parameters:
    ///   - preset: retry, breaker and call timeout; `nil` sends each request once, unguarded. Defaults to
    ///     ``ResiliencePreset/externalAPI(name:)``. Its retry also retries ``NetworkErrors/isTransient(_:)``.
    ///   - clock: the clock backoff, breaker and timeouts run on.
    /// - Throws: ``ConfigurationError`` when the preset is invalid.
    public init(
        httpClient: HTTPClient,
        tokenProvider: TokenProvider,
        preset: ResiliencePreset? = .externalAPI(),
        clock: any Clock<Duration> = ContinuousClock()
    ) throws(ConfigurationError) {
        self.httpClient = httpClient
        self.tokenProvider = tokenProvider
        if var preset {
            let presetRetry = preset.retry.shouldRetry
            preset.retry.shouldRetry = { error in presetRetry(error) || NetworkErrors.isTransient(error) }
            var check = ConfigurationValidator(prefix: "preset")
            check.merge(preset.retry.validationIssues(prefix: check.path("retry")))
            check.merge(preset.circuitBreaker.validationIssues(prefix: check.path("circuitBreaker")))
            check.require(preset.callTimeout > .zero, "callTimeout", "must be positive, got \(preset.callTimeout)")
            try check.finish()
            self.pipelines = HostPipelines(preset: preset, clock: clock)
        } else {
            self.pipelines = HostPipelines(preset: nil, clock: clock)
        }
    }

    /// Sends every request through `pipeline` (shared by all hosts). Requests with a streamed body skip it,
    /// since a retry could not send their body again.
    public init(httpClient: HTTPClient, tokenProvider: TokenProvider, pipeline: ResiliencePipeline) {
        self.httpClient = httpClient
        self.tokenProvider = tokenProvider
        self.pipelines = HostPipelines(fixed: pipeline)
    }

    /// Sends `request` with a bearer token. Without a body it is retried and sent again after a 401; with a
    /// body (taken as streamed) it is sent once and a 401 is returned as it is.
    /// - Throws: ``TokenUnavailableError`` when no token can be had; the pipeline's or the client's errors.
    public func execute(_ request: HTTPClientRequest, timeout: TimeAmount, logger: Logger? = nil) async throws -> HTTPClientResponse {
        let replayable = if case .none = request.body { true } else { false }
        return try await execute(request, replayable: replayable, timeout: timeout, logger: logger)
    }

    /// Sends `request` with `body` (replacing its own) and a bearer token; the body can be sent again, so
    /// the request is retried as the pipeline says and sent again once after a 401.
    public func execute(_ request: HTTPClientRequest, body: ByteBuffer, timeout: TimeAmount, logger: Logger? = nil) async throws -> HTTPClientResponse {
        var request = request
        request.body = .bytes(body)
        return try await execute(request, replayable: true, timeout: timeout, logger: logger)
    }

    private func execute(_ request: HTTPClientRequest, replayable: Bool, timeout: TimeAmount, logger: Logger?) async throws -> HTTPClientResponse {
        let pipeline = pipelines.pipeline(forURL: request.url, replayable: replayable)
        let token = try await tokenProvider.token()
        let response = try await send(request, token: token, through: pipeline, timeout: timeout, logger: logger)
        guard response.status == .unauthorized else { return response }
        guard replayable else {
            tokenProvider.reportUnauthorized(token)
            return response
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)   // let the connection be reused
        let renewed = try await tokenProvider.token(replacing: token)
        return try await send(request, token: renewed, through: pipeline, timeout: timeout, logger: logger)
    }

    private func send(
        _ request: HTTPClientRequest, token: AccessToken, through pipeline: ResiliencePipeline?, timeout: TimeAmount, logger: Logger?
    ) async throws -> HTTPClientResponse {
        var request = request
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)")
        let client = httpClient
        guard let pipeline else { return try await client.execute(request, timeout: timeout, logger: logger) }
        return try await pipeline.execute { [request] () async throws -> StatusResponse in
            StatusResponse(response: try await client.execute(request, timeout: timeout, logger: logger))
        }.response
    }
}

/// A response as the pipeline sees it: its status is reported, so 5xx and 429 can be retried and counted.
struct StatusResponse: HTTPStatusReporting {
    let response: HTTPClientResponse
    var httpStatus: Int { Int(response.status.code) }
}
