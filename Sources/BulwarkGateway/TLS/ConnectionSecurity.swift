/// What a client connection's TLS established, for the requests it carries: set once the handshake
/// completes, read when each request is forwarded. Only touched on the connection's event loop.
final class ConnectionSecurity: @unchecked Sendable {
    /// `Strict-Transport-Security` for every response (`max-age=…`), nil when `server.hsts` is not set.
    let strictTransportSecurity: String?
    /// The verified client certificate's subject (RFC 4514, e.g. `CN=alice,O=Example`), once known; nil
    /// without mutual TLS. Sent in `server.tls.client_subject_header` when one is configured.
    var clientSubject: String?

    init(hsts: Duration?) {
        self.strictTransportSecurity = hsts.map { "max-age=\($0.components.seconds)" }
    }
}
