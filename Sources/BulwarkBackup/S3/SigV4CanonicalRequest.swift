/// The canonical form of a request that Signature Version 4 hashes and signs.
///
/// ```
/// GET                                   method
/// /test.txt                             canonical URI (already encoded)
///                                       canonical query string
/// host:examplebucket.s3.amazonaws.com   canonical headers, one per line, sorted
/// range:bytes=0-9
/// x-amz-content-sha256:e3b0…b855
/// x-amz-date:20130524T000000Z
///                                       (the header block ends with a blank line)
/// host;range;x-amz-content-sha256;x-amz-date    signed headers
/// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855   payload hash
/// ```
struct SigV4CanonicalRequest: Sendable {
    /// The HTTP method, e.g. `GET`.
    let method: String
    /// The URI-encoded path, `/` when empty.
    let path: String
    /// `k=v` pairs, each side URI-encoded, sorted by key then value, joined by `&`.
    let canonicalQuery: String
    /// Lowercased header names with their normalized values, sorted by name, one entry per name.
    let canonicalHeaders: [(name: String, value: String)]
    /// The hex SHA-256 of the payload, or `UNSIGNED-PAYLOAD`.
    let payloadSHA256: String

    /// Builds the canonical request.
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - path: The path, already URI-encoded.
    ///   - query: Query parameters, raw (this encodes them).
    ///   - headers: Every header to sign; names in any case, repeated names allowed (their values are
    ///     joined with commas, in order).
    ///   - payloadSHA256: The hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    init(method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadSHA256: String) {
        self.method = method
        self.path = path.isEmpty ? "/" : path
        self.payloadSHA256 = payloadSHA256
        canonicalQuery = query
            .map { (SigV4Signer.uriEncode($0.0, encodingSlash: true), SigV4Signer.uriEncode($0.1, encodingSlash: true)) }
            .sorted { first, second in
                first.0 != second.0 ? Self.precedes(first.0, second.0) : Self.precedes(first.1, second.1)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.normalize(value))
        }
        canonicalHeaders = merged
            .map { (name: $0.key, value: $0.value.joined(separator: ",")) }
            .sorted { Self.precedes($0.name, $1.name) }
    }

    /// The signed header names, `;`-separated, e.g. `host;range;x-amz-content-sha256;x-amz-date`.
    var signedHeaders: String {
        canonicalHeaders.map(\.name).joined(separator: ";")
    }

    /// The canonical request text that is hashed into the string to sign.
    var text: String {
        let headerBlock = canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined()
        return [method, path, canonicalQuery, headerBlock, signedHeaders, payloadSHA256].joined(separator: "\n")
    }

    /// A header value with leading and trailing whitespace removed and inner runs of it collapsed to one
    /// space.
    static func normalize(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Byte-wise order of the UTF-8 forms, as AWS sorts.
    static func precedes(_ first: String, _ second: String) -> Bool {
        first.utf8.lexicographicallyPrecedes(second.utf8)
    }
}
