/// Where an issuer's verification keys come from: the library's mirror of the configuration's
/// `jwks_file`, `jwks_url` (with `jwks_refresh`) and `secret`.
///
/// ```swift
/// let source = KeySource.url("https://idp.example.com/.well-known/jwks.json", refresh: .seconds(300))
/// print(source)   // jwks_url https://idp.example.com/.well-known/jwks.json (refresh 300.0 seconds)
/// print(KeySource.secret("…"))   // secret (hidden)
/// ```
///
/// Its description, debug description and mirror never show the secret, nor a URL's user information.
public enum KeySource: Sendable, Hashable {
    /// A JSON Web Key Set file, read at start, on every reload, and whenever the file changes.
    case file(path: String)
    /// A JSON Web Key Set URL, fetched at start, every `refresh`, and when a token names an unknown `kid`
    /// (at most once per 10 seconds per issuer).
    case url(String, refresh: Duration)
    /// A shared HMAC secret (HS256, HS384, HS512).
    case secret(String)

    /// Which of the three sources this is.
    public var kind: KeySourceKind {
        switch self {
        case .file: .file
        case .url: .url
        case .secret: .secret
        }
    }

    /// The file's path or the URL without its user information; nil for a secret.
    public var location: String? {
        switch self {
        case .file(let path): path
        case .url(let url, _): Self.redacted(url)
        case .secret: nil
        }
    }

    /// `url` with any `user:password@` replaced by `***@` and any query by `?***` (a signed or keyed
    /// URL carries its secret there), its fragment dropped.
    static func redacted(_ url: String) -> String {
        var url = url
        if let fragment = url.firstIndex(of: "#") { url = String(url[..<fragment]) }
        if let query = url.firstIndex(of: "?") { url = String(url[..<query]) + "?***" }
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***" + String(url[at...])
    }
}

extension KeySource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `jwks_file PATH`, `jwks_url URL (refresh N seconds)` or `secret (hidden)`.
    public var description: String {
        switch self {
        case .file(let path): "jwks_file \(path)"
        case .url(let url, let refresh): "jwks_url \(Self.redacted(url)) (refresh \(refresh))"
        case .secret: "secret (hidden)"
        }
    }

    /// The same as ``description``: the secret stays hidden.
    public var debugDescription: String { description }

    /// A mirror with the kind and location only, so `dump` never shows the secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind, "location": location as Any], displayStyle: .enum)
    }
}

/// The kind of a ``KeySource``, without its contents.
public enum KeySourceKind: String, Sendable, Hashable, CaseIterable {
    /// `jwks_file`.
    case file
    /// `jwks_url`.
    case url
    /// `secret`.
    case secret
}
