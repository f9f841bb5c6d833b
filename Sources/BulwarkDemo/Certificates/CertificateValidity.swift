import Foundation

/// Validity periods: the defaults in one place, and the checks every issued certificate passes.
enum CertificateValidity {
    /// How far before `now` certificates start to be valid, so a client whose clock runs a little slow
    /// accepts them: one hour.
    static let backdating: TimeInterval = 3600
    /// How long server and client certificates last unless told otherwise: 90 days.
    static let leafLifetime: TimeInterval = 90 * 86400

    /// `date` truncated to a whole second, the precision certificates carry (the X.509 encoder would
    /// round instead, which can move `notBefore` half a second into the future).
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }

    /// Checks that the period is not empty.
    static func check(notBefore: Date, notAfter: Date) throws {
        guard notBefore < notAfter else {
            throw CertificateFactoryError(
                .invalidValidity,
                "the validity period is empty: notBefore \(notBefore) is not before notAfter \(notAfter)"
            )
        }
    }
}
