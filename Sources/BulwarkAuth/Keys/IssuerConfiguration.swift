/// One issuer as the key-set provider sees it: whose tokens (`iss`), for whom (`aud`), signed how
/// (`alg`), and where its keys come from.
///
/// ```swift
/// let issuer = IssuerConfiguration(
///     issuer: "https://idp.example.com", audiences: ["api"], algorithms: ["RS256"],
///     source: .file(path: "/etc/bulwark/jwks.json"))
/// ```
public struct IssuerConfiguration: Sendable, Hashable {
    /// The exact `iss` of the issuer's tokens.
    public var issuer: String
    /// A token's `aud` must name one of these; empty accepts any.
    public var audiences: [String]
    /// The `alg` values accepted.
    public var algorithms: [String]
    /// Where the keys come from.
    public var source: KeySource

    /// An issuer.
    public init(issuer: String, audiences: [String], algorithms: [String], source: KeySource) {
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
        self.source = source
    }
}
