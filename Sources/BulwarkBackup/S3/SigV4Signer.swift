import Crypto
import Foundation

/// Signs S3 requests with AWS Signature Version 4, putting the signature in the `Authorization` header.
///
/// The signer is a plain value: it holds the credentials and does no I/O. For each request it builds the
/// canonical request, the string to sign and the signature:
///
/// 1. Canonical request: method, encoded path, sorted and encoded query, sorted lowercased headers with
///    normalized values, the signed header names, and the payload hash.
/// 2. String to sign: `AWS4-HMAC-SHA256`, the `x-amz-date` time, the scope
///    `<yyyymmdd>/<region>/<service>/aws4_request`, and the hex SHA-256 of the canonical request.
/// 3. Signature: HMAC-SHA256 of the string to sign under the key derived from `AWS4<secret>` through
///    the date, region, service and `aws4_request`.
///
/// ```swift
/// let signer = SigV4Signer(accessKey: key, secretKey: secret, region: "us-east-1")
/// let added = signer.signedHeaders(
///     method: "PUT", host: "backups.s3.amazonaws.com", path: "/db/2026-11-23.dump", query: [],
///     headers: [("Content-Type", "application/octet-stream")],
///     payloadSHA256: SigV4Signer.sha256Hex(body), date: .now
/// )
/// ```
public struct SigV4Signer: Sendable {
    /// The algorithm name that starts the string to sign and the `Authorization` header.
    static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers the signer supplies itself; callers' values for these are ignored.
    static let suppliedHeaders: Set<String> = ["authorization", "x-amz-date", "x-amz-content-sha256"]

    let accessKey: String
    let secretKey: String
    let region: String
    let service: String

    /// Creates a signer for one set of credentials and one region.
    ///
    /// - Parameters:
    ///   - accessKey: The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    ///   - secretKey: The secret access key.
    ///   - region: The region, e.g. `us-east-1` (S3-compatible stores often accept any, commonly `us-east-1`).
    ///   - service: The service name in the scope. Defaults to `s3`.
    public init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    /// Signs a request and returns the headers to add to it: `host` (only if `headers` has none),
    /// `x-amz-date`, `x-amz-content-sha256` and `Authorization`, in that order.
    ///
    /// Every header in `headers` is signed, so pass exactly the headers the request will carry. Any
    /// `Authorization`, `x-amz-date` or `x-amz-content-sha256` in `headers` is ignored, since the returned
    /// ones replace them.
    ///
    /// - Parameters:
    ///   - method: The HTTP method, e.g. `GET`.
    ///   - host: The `Host` header value, including `:port` when the port is not the scheme's default.
    ///   - path: The path, already URI-encoded (each segment with ``uriEncode(_:encodingSlash:)`` and
    ///     `encodingSlash: false`), e.g. `/bucket/key%20x`.
    ///   - query: Query parameters, raw and unencoded; a parameter without a value has value `""`.
    ///   - headers: The other headers the request carries.
    ///   - payloadSHA256: The hex SHA-256 of the body (``sha256Hex(_:)``), or `UNSIGNED-PAYLOAD`.
    ///   - date: The signing time; S3 rejects requests more than 15 minutes off.
    /// - Returns: Header name and value pairs to add.
    public func signedHeaders(
        method: String,
        host: String,
        path: String,
        query: [(String, String)],
        headers: [(String, String)],
        payloadSHA256: String,
        date: Date
    ) -> [(String, String)] {
        let timestamp = SigV4Timestamp(date)
        var added: [(String, String)] = []
        if !headers.contains(where: { $0.0.lowercased() == "host" }) {
            added.append(("host", host))
        }
        added.append(("x-amz-date", timestamp.amzDate))
        added.append(("x-amz-content-sha256", payloadSHA256))
        let signed = headers.filter { !Self.suppliedHeaders.contains($0.0.lowercased()) } + added
        let request = SigV4CanonicalRequest(
            method: method, path: path, query: query, headers: signed, payloadSHA256: payloadSHA256
        )
        let signature = self.signature(for: request, at: timestamp)
        let authorization = "\(Self.algorithm) Credential=\(accessKey)/\(scope(at: timestamp)),"
            + "SignedHeaders=\(request.signedHeaders),Signature=\(signature)"
        added.append(("Authorization", authorization))
        return added
    }

    /// `<yyyymmdd>/<region>/<service>/aws4_request`.
    func scope(at timestamp: SigV4Timestamp) -> String {
        "\(timestamp.dateStamp)/\(region)/\(service)/aws4_request"
    }

    /// The string to sign for `request`.
    func stringToSign(for request: SigV4CanonicalRequest, at timestamp: SigV4Timestamp) -> String {
        [Self.algorithm, timestamp.amzDate, scope(at: timestamp), Self.sha256Hex(Array(request.text.utf8))]
            .joined(separator: "\n")
    }

    /// The hex signature of `request`.
    func signature(for request: SigV4CanonicalRequest, at timestamp: SigV4Timestamp) -> String {
        var key = SymmetricKey(data: Array("AWS4\(secretKey)".utf8))
        for part in [timestamp.dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let message = Array(stringToSign(for: request, at: timestamp).utf8)
        return Self.hex(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
