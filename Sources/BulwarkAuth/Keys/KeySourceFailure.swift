/// Why one attempt to load an issuer's keys failed, as a sentence that names the source (`jwks_file PATH`,
/// `jwks_url URL` or `secret`) and never holds key material or the secret.
struct KeySourceFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
