/// Why a certificate could not be made or written. Each error says what was wrong and what to do.
///
/// ```swift
/// do {
///     _ = try authority.issueServer(hosts: [])
/// } catch let error as CertificateFactoryError where error.code == .invalidHost {
///     print(error) // "a server certificate needs at least one host name or IP address"
/// }
/// ```
public struct CertificateFactoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidHost
            case invalidName
            case invalidValidity
            case keyGeneration
            case encoding
            case fileWrite
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A host is neither a DNS name nor an IP address, or no host was given.
        public static let invalidHost = Code(.invalidHost)
        /// A common name or organization is empty or longer than X.509 allows (64 characters).
        public static let invalidName = Code(.invalidName)
        /// The validity period is empty, or the issuing CA has expired.
        public static let invalidValidity = Code(.invalidValidity)
        /// A private key could not be generated.
        public static let keyGeneration = Code(.keyGeneration)
        /// The certificate could not be signed or encoded.
        public static let encoding = Code(.encoding)
        /// A certificate or key file could not be written.
        public static let fileWrite = Code(.fileWrite)

        /// The code's name, e.g. `invalidHost`.
        public var description: String { base.rawValue }
    }

    /// What kind of problem it is.
    public let code: Code
    /// What was wrong and what to do about it.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
