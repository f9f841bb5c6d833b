import BulwarkAuth
import NIOCore
import NIOHTTP1

/// The small bodies the gateway answers with itself: JSON errors (`{"error":…,"status":…}`) and RFC 9457
/// `application/problem+json` for rate limiting.
enum GatewayResponses {
    /// A JSON error response.
    static func error(_ status: HTTPResponseStatus, message: String, requestID: String, allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        let body = "{\"error\":\(jsonString(message)),\"status\":\(status.code),\"request_id\":\(jsonString(requestID))}\n"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return finish(status, headers: headers, body: body, requestID: requestID, allocator: allocator)
    }

    /// A 429 problem document.
    static func rateLimited(policy: String, retryAfter: Int64, instance: String, requestID: String, fields: [(name: String, value: String)], allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        let body = """
        {"type":"about:blank","title":"Too Many Requests","status":429,"detail":\(jsonString("rate limit '\(policy)' exceeded; retry in \(retryAfter) s")),"instance":\(jsonString(instance)),"request_id":\(jsonString(requestID))}

        """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        for field in fields { headers.add(name: field.name, value: field.value) }
        return finish(.tooManyRequests, headers: headers, body: body, requestID: requestID, allocator: allocator)
    }

    /// A 401 for a route that needs a valid bearer token (RFC 6750 §3): `WWW-Authenticate: Bearer …`
    /// with the error code and description, and a problem document whose `reason` says which check
    /// failed. Neither quotes the token.
    static func unauthorized(_ failure: AuthFailure, instance: String, requestID: String, allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        let body = """
        {"type":"about:blank","title":"Unauthorized","status":401,"detail":\(jsonString(failure.detail)),"reason":\(jsonString(failure.reason.rawValue)),"error":\(jsonString(failure.errorCode)),"instance":\(jsonString(instance)),"request_id":\(jsonString(requestID))}

        """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        headers.add(name: "WWW-Authenticate", value: failure.challenge())
        return finish(.unauthorized, headers: headers, body: body, requestID: requestID, allocator: allocator)
    }

    private static func finish(_ status: HTTPResponseStatus, headers: HTTPHeaders, body: String, requestID: String, allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        var headers = headers
        var buffer = allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
        headers.add(name: "X-Request-ID", value: requestID)
        headers.add(name: "Cache-Control", value: "no-store")
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), buffer)
    }

    /// A JSON string literal.
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
