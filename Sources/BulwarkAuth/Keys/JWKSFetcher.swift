import AsyncHTTPClient
import NIOCore

/// Fetches `jwks_url`s: one `GET`, at most ``timeout`` for the whole exchange, a `200` with at most
/// ``maximumBytes`` of body. Failures name the URL without its user information.
struct JWKSFetcher: Sendable {
    /// The longest a fetch may take: 5 seconds.
    static let timeout: Duration = .seconds(5)
    /// The largest body accepted: 1 MiB.
    static let maximumBytes = 1 << 20

    let client: HTTPClient

    /// Whether `url` is one this fetcher can try: `http://` or `https://` with a host.
    static func problem(with url: String) -> String? {
        let lowered = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            return "jwks_url \(KeySource.redacted(url)) must start with http:// or https://"
        }
        let rest = url.dropFirst(scheme.count)
        guard let first = rest.first, first != "/", first != "?", first != "#" else {
            return "jwks_url \(KeySource.redacted(url)) has no host"
        }
        return nil
    }

    /// The document at `url`, within ``timeout`` (real time) from the request to the body's last byte.
    func fetch(_ url: String) async -> Result<[UInt8], KeySourceFailure> {
        await withTaskGroup(of: Result<[UInt8], KeySourceFailure>?.self) { group in
            group.addTask { await exchange(url) }
            group.addTask {
                try? await Task.sleep(for: Self.timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(KeySourceFailure("jwks_url \(KeySource.redacted(url)) did not answer within 5 seconds"))
        }
    }

    /// One `GET` of `url` (the head bounded by AsyncHTTPClient's deadline, the body by ``fetch(_:)``).
    private func exchange(_ url: String) async -> Result<[UInt8], KeySourceFailure> {
        let name = "jwks_url \(KeySource.redacted(url))"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        do {
            let response = try await client.execute(request, deadline: .now() + TimeAmount(Self.timeout))
            guard response.status == .ok else {
                return .failure(KeySourceFailure("\(name) answered HTTP \(response.status.code), expected 200"))
            }
            let body = try await response.body.collect(upTo: Self.maximumBytes)
            return .success(Array(body.readableBytesView))
        } catch is NIOTooManyBytesError {
            return .failure(KeySourceFailure("\(name) sent more than 1 MiB"))
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            return .failure(KeySourceFailure("\(name) did not answer within 5 seconds"))
        } catch {
            return .failure(KeySourceFailure("\(name) is unreachable: \(error)"))
        }
    }
}
