/// Randomisation applied to a ``Backoff`` delay so that clients which failed together do not retry together.
///
/// See "Exponential Backoff And Jitter" (AWS Architecture Blog) for the trade-offs: `.full` spreads
/// load best, `.equal` keeps a guaranteed minimum wait, `.decorrelated` grows from the previous delay.
public struct Jitter: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable { case none, full, equal, decorrelated }
    let kind: Kind

    /// The delay exactly as the curve gives it.
    public static let none = Jitter(kind: .none)
    /// Uniform in `0...delay`.
    public static let full = Jitter(kind: .full)
    /// Uniform in `delay/2...delay`.
    public static let equal = Jitter(kind: .equal)
    /// Uniform in `initial...min(maximum, 3 × previous delay)`.
    public static let decorrelated = Jitter(kind: .decorrelated)

    public var description: String {
        switch kind {
        case .none: "no"
        case .full: "full"
        case .equal: "equal"
        case .decorrelated: "decorrelated"
        }
    }
}
