import AsyncHTTPClient
import BulwarkConfig
import BulwarkGateway
import Foundation
import NIOCore
import NIOHTTP1
import Resilience

/// Checks an HTTP dependency: one `GET` of its URL, whose status must be one of the expected ones.
///
/// ```swift
/// let probe = try HTTPProbe(url: "https://api.vendor.com/status", timeout: .seconds(2))
/// let outcome = await probe.probe(timeout: .seconds(2))   // .passed(detail: "HTTP 200"), .failed("HTTP 503, expected 2xx")
/// await probe.shutdown()   // the owner shuts the probe down when it is done with it
/// ```
///
/// The probe owns one `HTTPClient` (on the shared event loop group) that the owner must close with
/// ``shutdown()`` before letting go of the probe. Redirects are not followed: a `301` is a status like
/// any other, which passes only when listed. At most 64 KiB of the body is read, then dropped.
///
/// The URL's user information (`https://user:password@host/…`) is sent as HTTP Basic authentication, and
/// is never part of a failure text. For `https` URLs, `tls` applies as it does to an upstream's targets
/// (`ca`, `client_cert`/`client_key`, `verify`); its `server_name` is sent in SNI and verified in the
/// certificate while the connection still goes to the URL's host, whose name stays in `Host`.
public struct HTTPProbe: DependencyProbe {
    /// Bytes of the body read at most.
    public static let maximumBodyBytes = 64 * 1024

    /// The URL requested, without its user information.
    public let url: String
    /// The statuses that pass.
    public let expectStatus: [Int]
    private let client: HTTPClient
    private let headers: HTTPHeaders
    private let secrets: [String]
    private let verifiedName: String

    /// A probe for `url`.
    /// - Parameters:
    ///   - url: an `http://` or `https://` URL, optionally with `user:password@` for Basic authentication.
    ///   - expectStatus: the statuses that pass. Default any 2xx.
    ///   - tls: TLS options for an `https` URL. Default the system trust store, verification on.
    ///   - timeout: the connect timeout of the probe's client; the probe's own timeout bounds the rest.
    ///     Default 2 s.
    /// - Throws: ``ProbeURLError`` for a URL that is not `http(s)://host…` or an empty `expectStatus`;
    ///   `ConfigurationError` (keyed under `tls`) for a TLS file that cannot be used.
    public init(
        url: String,
        expectStatus: [Int] = DependencyCheckSettings.Defaults.expectStatus,
        tls: UpstreamTLSSettings = UpstreamTLSSettings(),
        timeout: Duration = DependencyCheckSettings.Defaults.timeout
    ) throws {
        func invalid(_ reason: String) -> ProbeURLError { ProbeURLError(kind: "http", url: url, reason: reason) }
        guard var components = URLComponents(string: url) else { throw invalid("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw invalid("must start with http:// or https://")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard !expectStatus.isEmpty else { throw invalid("expect_status is empty: no status could pass") }

        var headers = HTTPHeaders()
        let user = components.user ?? ""
        let password = components.password ?? ""
        if !user.isEmpty || !password.isEmpty {
            headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        let encodedPassword = components.percentEncodedPassword ?? ""
        components.user = nil
        components.password = nil

        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = TimeAmount(timeout)
        configuration.connectionPool.retryConnectionEstablishment = false
        if scheme == "https" {
            configuration.tlsConfiguration = try tls.makeClientTLSConfiguration(keyPath: "tls")
            if let serverName = tls.serverName, serverName != host {
                // Ask for (and verify) `serverName`, but connect to the URL's host and name it in `Host`.
                configuration.dnsOverride = [serverName: host]
                headers.add(name: "Host", value: Self.authority(of: url))
                components.host = serverName
            }
        }
        guard let requestURL = components.string else { throw invalid("not a URL") }
        self.verifiedName = components.host ?? host

        self.url = requestURL
        self.expectStatus = expectStatus
        self.headers = headers
        self.secrets = [password, encodedPassword, headers.first(name: "Authorization") ?? ""].filter { !$0.isEmpty }
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends the `GET` and reads at most ``maximumBodyBytes`` of the answer, within `timeout`.
    public func probe(timeout: Duration) async -> ProbeOutcome {
        let outcome = await ProbeDeadline.run(timeout: timeout) {
            await self.run(timeout: timeout)
        } timedOut: {
            "timed out after \(timeout.humanReadable)"
        }
        if case .failed(let reason) = outcome { return .failed(ProbeFailureText.finished(reason, secrets: secrets)) }
        return outcome
    }

    /// Shuts the probe's `HTTPClient` down. The probe's owner calls it once, when it stops probing
    /// (AsyncHTTPClient requires every client it did not create itself to be shut down); probes after it fail.
    public func shutdown() async {
        try? await client.shutdown()
    }

    private func run(timeout: Duration) async -> ProbeOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers = headers
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            var read = 0
            for try await part in response.body {
                read += part.readableBytes
                if read >= Self.maximumBodyBytes { break }
            }
            let status = Int(response.status.code)
            guard expectStatus.contains(status) else {
                return .failed("HTTP \(status), expected \(Self.describe(expectStatus))")
            }
            return .passed(detail: "HTTP \(status)")
        } catch {
            return .failed(ProbeFailureText.words(for: error, timeout: timeout, verifiedName: verifiedName))
        }
    }

    /// `host[:port]` as written in `url` (brackets of an IPv6 address kept), without user information.
    static func authority(of url: String) -> String {
        let afterScheme = url.range(of: "://").map { url[$0.upperBound...] } ?? url[...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority)
    }

    /// Statuses, compactly: whole hundreds as `2xx`, runs as `500-504`, others as they are:
    /// `[200…299, 304]` → `2xx, 304`; `[200]` → `200`.
    static func describe(_ statuses: [Int]) -> String {
        let sorted = Set(statuses).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            let high = sorted[end]
            var status = sorted[index]
            while status <= high {
                if status % 100 == 0, status + 99 <= high {
                    parts.append("\(status / 100)xx")
                    status += 100
                    continue
                }
                let nextHundred = (status / 100 + 1) * 100
                let last = nextHundred + 99 <= high ? nextHundred - 1 : high
                parts.append(last == status ? "\(status)" : last == status + 1 ? "\(status), \(last)" : "\(status)-\(last)")
                status = last + 1
            }
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}
