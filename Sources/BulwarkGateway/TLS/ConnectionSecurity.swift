/// What a client connection's TLS established, for the requests it carries: set once the handshake
/// completes, read when each request is forwarded. Only touched on the connection's event loop.
final class ConnectionSecurity: @unchecked Sendable {
    /// `Strict-Transport-Security` for every response (`max-age=…`), nil when `server.hsts` is not set.
    let strictTransportSecurity: String?
    /// The header the client certificate's subject goes in (`server.tls.client_subject_header`).
    let clientSubjectHeader: String?
    /// The verified client certificate's subject (RFC 4514, e.g. `CN=alice,O=Example`), once known.
    var clientSubject: String?

    init(hsts: Duration?, clientSubjectHeader: String?) {
        self.strictTransportSecurity = hsts.map { "max-age=\($0.components.seconds)" }
        self.clientSubjectHeader = clientSubjectHeader
    }
}
