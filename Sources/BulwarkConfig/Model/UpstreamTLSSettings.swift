/// `upstreams.NAME.tls:`: how the gateway speaks TLS to the upstream's `https://` targets.
///
/// ```yaml
/// upstreams:
///   vendor:
///     targets: ["https://api.vendor.com"]
///     tls: { ca: /etc/bulwark/vendor-ca.pem, server_name: api.vendor.com, verify: true }
/// ```
public struct UpstreamTLSSettings: Sendable, Hashable {
    /// PEM file of the CAs the targets' certificates must chain to. Default none: the system trust store.
    public var ca: String?
    /// The name sent in SNI and verified in the target's certificate. Default none: the target's host.
    public var serverName: String?
    /// PEM file of a client certificate (chain) presented to the targets (mutual TLS). Default none.
    public var clientCertificate: String?
    /// PEM file of the client certificate's key. Required with `client_cert`.
    public var clientKey: String?
    /// Whether the targets' certificates are verified. Default true; false logs a warning at start.
    public var verify = true

    /// Creates settings with every default (system trust store, SNI from the target, verification on).
    public init() {}
}

/// `upstreams.NAME.host`: the `Host` sent upstream.
public enum UpstreamHostHeader: Sendable, Hashable {
    /// The client's `Host`, unchanged (the default for `http://` targets).
    case client
    /// The target's `host[:port]` (the default for `https://` targets: what a vendor API expects).
    case target
    /// This name.
    case literal(String)
}
