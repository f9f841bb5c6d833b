/// Why ``KeySetProvider/load()`` or ``KeySetProvider/reload(_:leeway:)`` failed: one problem per issuer
/// whose keys could not be loaded, each naming the issuer and saying what is wrong. Never holds key
/// material or a secret.
public struct KeySetLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One issuer's problem.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The issuer (`iss`).
        public var issuer: String
        /// What is wrong, e.g. `jwks_file /etc/bulwark/jwks.json does not exist`.
        public var message: String

        /// A problem.
        public init(issuer: String, message: String) {
            self.issuer = issuer
            self.message = message
        }

        /// `auth.jwt issuer "ISSUER": MESSAGE`.
        public var description: String { "auth.jwt issuer \"\(issuer)\": \(message)" }
    }

    /// Every problem found, in issuer order.
    public var problems: [Problem]

    /// An error with `problems`.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// The problems, one per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
