import Foundation

/// Reads a token endpoint's answer (RFC 6749 §5.1 and §5.2) into a ``TokenGrant`` or a ``TokenEndpointError``.
enum TokenResponse {
    /// The longest text taken from a response into an error message.
    static let maximumQuotedLength = 200

    /// Parses an answer with `status` and `body`.
    /// - Parameters:
    ///   - defaultLifetime: the lifetime of a token without `expires_in`.
    ///   - secrets: strings removed from any text quoted from the response.
    static func parse(status: Int, body: [UInt8], defaultLifetime: Duration, secrets: [String]) throws(TokenEndpointError) -> TokenGrant {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        guard (200..<300).contains(status) else {
            throw TokenEndpointError(
                code: .httpStatus,
                httpStatus: status,
                oauthError: (object?["error"] as? String).map { quoted($0, without: secrets) },
                oauthErrorDescription: (object?["error_description"] as? String).map { quoted($0, without: secrets) },
                detail: object == nil ? "answered \(status) (body not JSON)" : "answered \(status)"
            )
        }
        guard let object else {
            throw TokenEndpointError(code: .notJSON, httpStatus: status, detail: "answered \(status) with a body that is not a JSON object")
        }
        guard let value = object["access_token"] as? String, !value.isEmpty else {
            throw invalid(status, "the response has no access_token")
        }
        guard let type = object["token_type"] as? String else { throw invalid(status, "the response has no token_type") }
        guard type.lowercased() == "bearer" else {
            throw invalid(status, "token_type is '\(quoted(type, without: secrets + [value]))', expected Bearer")
        }
        guard let expiresIn = object["expires_in"] else { return TokenGrant(value: value, lifetime: defaultLifetime) }
        let seconds: Double? = switch expiresIn {
        case let number as NSNumber: number.doubleValue
        case let text as String: Double(text)
        default: nil
        }
        guard let seconds, seconds.isFinite, seconds > 0, seconds < 1e9 else {
            throw invalid(status, "expires_in must be a positive number of seconds")
        }
        return TokenGrant(value: value, lifetime: .milliseconds(Int64(seconds * 1000)))
    }

    private static func invalid(_ status: Int, _ detail: String) -> TokenEndpointError {
        TokenEndpointError(code: .invalidResponse, httpStatus: status, detail: "answered \(status) but \(detail)")
    }

    /// `text` with every secret replaced by `***`, control characters dropped, shortened.
    static func quoted(_ text: String, without secrets: [String]) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        text = String(text.unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
        return text.count > maximumQuotedLength ? String(text.prefix(maximumQuotedLength)) + "…" : text
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControl: Bool { self == .control || self == .format }
}
