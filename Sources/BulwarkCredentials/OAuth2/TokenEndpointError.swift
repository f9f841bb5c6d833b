import Resilience

/// Why a token endpoint did not issue a token. The message says what happened (status, the `error` and
/// `error_description` of RFC 6749 §5.2, "not JSON", a timeout) and never contains a secret: text taken
/// from the response has the client secret removed and is shortened.
///
/// Transient failures (timeouts, network errors, 5xx, 408 and 429) are retried by
/// ``RetryPredicates/networkOrServerError(_:)`` through ``isTransient``; the others are not.
public struct TokenEndpointError: Error, Sendable, Hashable, CustomStringConvertible, TransientErrorClassifying {
    /// What kind of failure; may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The endpoint answered with a status other than 200.
        public static let httpStatus = Code("http_status")
        /// The body of an answer was not a JSON object.
        public static let notJSON = Code("not_json")
        /// The JSON lacked a usable `access_token`, `token_type` or `expires_in`.
        public static let invalidResponse = Code("invalid_response")
        /// No answer in time.
        public static let timeout = Code("timeout")
        /// The connection failed (refused, reset, TLS).
        public static let transport = Code("transport")

        public var description: String { name }
    }

    /// What kind of failure.
    public let code: Code
    /// The HTTP status, when the endpoint answered.
    public let httpStatus: Int?
    /// The `error` code of an RFC 6749 §5.2 error response, e.g. `invalid_client`.
    public let oauthError: String?
    /// The `error_description` of an RFC 6749 §5.2 error response.
    public let oauthErrorDescription: String?
    /// Details, without secrets.
    public let detail: String

    init(code: Code, httpStatus: Int? = nil, oauthError: String? = nil, oauthErrorDescription: String? = nil, detail: String) {
        self.code = code
        self.httpStatus = httpStatus
        self.oauthError = oauthError
        self.oauthErrorDescription = oauthErrorDescription
        self.detail = detail
    }

    /// Whether trying again may succeed: timeouts, transport errors, 5xx (but 501 and 505), 408 and 429.
    public var isTransient: Bool {
        switch code {
        case .timeout, .transport: return true
        default: return httpStatus.map { $0 == 408 || RetryPredicates.isRetryableStatus($0) } ?? false
        }
    }

    public var description: String {
        var text = "token endpoint: \(detail)"
        if let oauthError {
            text += ": \(oauthError)"
            if let oauthErrorDescription { text += " (\(oauthErrorDescription))" }
        }
        return text
    }
}
