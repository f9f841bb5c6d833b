/// The headers a client must never set for the upstream: the gateway sets them itself, or identity is
/// derived from them. Kept in one place so every feature that sets an identity header (claims,
/// client-certificate subject, audit actor) joins this list (a configured name, such as
/// `server.tls.client_subject_header`, is removed where the request head is built: ``UpstreamRequestHead``), and so `Connection` can never name them.
enum TrustBoundary {
    /// Removed from every client request on every route, whoever the peer is. `X-Real-IP` is then set
    /// by the gateway from the resolved client address.
    /// Every other `X-Forwarded-…` field (`-Port`, `-Prefix`, `-Ssl`, `-Scheme`, `-Server`…) is removed too.
    static let alwaysRemoved: Set<String> = [
        "x-real-ip", "forwarded", "x-original-url", "x-rewrite-url", "x-forwarded-port", "x-forwarded-prefix",
        "x-client-ip", "true-client-ip",
    ]

    /// Believed (and extended) only when the direct peer is a trusted proxy; removed otherwise.
    static let forwardedByTrustedProxies: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]

    /// Fields a `Connection` header may never remove: the message's framing, its target, and everything
    /// the gateway sets or derives identity from.
    static let protectedFromConnection: Set<String> = alwaysRemoved
        .union(forwardedByTrustedProxies)
        .union(["content-length", "transfer-encoding", "host", "x-request-id"])

    /// The prefix of the forwarding family: any such field not believed from a trusted proxy is removed.
    static let forwardedPrefix = "x-forwarded-"
}
