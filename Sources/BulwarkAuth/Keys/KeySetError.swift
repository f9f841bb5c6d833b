/// Why a key set could not be built: the JWKS document is not one, leaves no usable key, or the secret or
/// the algorithms do not fit. The message says what is wrong and what to do; it never holds key material
/// or the secret.
public struct KeySetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in a sentence.
    public var message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
