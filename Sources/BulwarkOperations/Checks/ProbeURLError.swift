/// A probe's URL that cannot be used: thrown by the probes' initialisers, before anything is sent.
///
/// ```swift
/// do {
///     _ = try PostgresProbe(url: "postgres://monitor:secret@db/app?sslmode=strict")
/// } catch let error as ProbeURLError {
///     print(error)   // invalid postgres URL 'postgres://monitor:***@db/app?sslmode=strict': unknown sslmode 'strict'; …
/// }
/// ```
///
/// The URL is kept with its password replaced by `***`, so the error can be logged and shown as it is.
public struct ProbeURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of check, e.g. `postgres` or `http`.
    public var kind: String
    /// The URL with any password replaced by `***`.
    public var url: String
    /// What is wrong and what is expected, e.g. `unknown sslmode 'strict'; use disable, prefer, …`.
    public var reason: String

    /// Creates an error for `url` (redacted here).
    public init(kind: String, url: String, reason: String) {
        self.kind = kind
        self.url = Self.redacted(url)
        self.reason = reason
    }

    /// `invalid postgres URL 'postgres://monitor:***@db/app': reason`.
    public var description: String { "invalid \(kind) URL '\(url)': \(reason)" }

    /// `url` with the password of its user information, if any, replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInformation = authority[..<at]
        guard let colon = userInformation.firstIndex(of: ":") else { return url }
        return String(url[..<userInformation.index(after: colon)]) + "***" + String(url[at...])
    }
}
