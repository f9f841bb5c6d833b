/// What the exchange machine knows of a request once its head is vetted: how its body is framed,
/// whether the client waits for `100 Continue`, and the body limit that applies to it.
struct ExchangeRequest: Equatable, Sendable {
    /// How the body is framed (from the vetted head, never from what `Connection` left of it).
    var framing: RequestBodyFraming
    /// The client sent `Expect: 100-continue` (HTTP/1.1 and later).
    var expectsContinue: Bool
    /// `server.max_body_bytes`; 0 means no limit.
    var maxBodyBytes: Int

    /// A request whose head was not accepted: no body is expected from it.
    static let unvetted = ExchangeRequest(framing: .none, expectsContinue: false, maxBodyBytes: 0)
}
