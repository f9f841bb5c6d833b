import Foundation
import NIOCore
import NIOHTTP1

/// A request to the admin listener, read in full (bodies are small).
public struct AdminRequest: Sendable {
    /// `GET`, `POST`…
    public var method: HTTPMethod
    /// The path, not decoded, without the query.
    public var path: String
    /// Query parameters, decoded.
    public var query: [String: String]
    /// Request headers.
    public var headers: HTTPHeaders
    /// The local port the request arrived on, which `Host` must name when no token is set; nil when
    /// the request did not come through the admin listener (then `admin.listen`'s port is used, and
    /// any port is accepted when that is 0).
    public var localPort: Int?
    /// The request body (at most 64 KiB; larger requests are refused before they get here).
    public var body: [UInt8] = []
    /// The client's IP address (what the audit log records for an admin action); nil when the request
    /// did not come through the admin listener.
    public var clientAddress: String?

    /// Parses `uri` into path and query.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, localPort: Int? = nil, body: [UInt8] = []) {
        self.method = method
        self.body = body
        self.headers = headers
        self.localPort = localPort
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = String(parts.first ?? "/")
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
                query[key] = value
            }
        }
        self.query = query
    }
}

/// A response from the admin listener.
public struct AdminResponse: Sendable {
    /// Status.
    public var status: HTTPResponseStatus
    /// Headers (Content-Length is added when sent).
    public var headers: HTTPHeaders
    /// Body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok, encoder: JSONEncoder = AdminResponse.encoder) -> AdminResponse {
        let body = (try? encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8)
        return AdminResponse(status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"], body: Array(body))
    }

    /// A JSON error: `{"error": message, "status": code}`.
    static func error(_ status: HTTPResponseStatus, _ message: String, headers extra: HTTPHeaders = [:]) -> AdminResponse {
        var response = json(ErrorBody(error: message, status: Int(status.code)), status: status)
        response.headers.add(contentsOf: extra)
        return response
    }

    /// Plain text.
    static func text(_ text: String, contentType: String, status: HTTPResponseStatus = .ok) -> AdminResponse {
        AdminResponse(status: status, headers: ["Content-Type": contentType, "Cache-Control": "no-store"], body: Array(text.utf8))
    }

    struct ErrorBody: Encodable {
        var error: String
        var status: Int
    }
}
