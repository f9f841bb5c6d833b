import Resilience

/// How long before a token expires it is renewed: a fixed duration, or a fraction of its lifetime.
///
/// When the amount is at least the whole lifetime, the token is renewed half-way through it instead, so
/// that a short-lived token never turns into a refresh loop:
///
/// | renew before | lifetime 1 h | lifetime 10 min | lifetime 20 s |
/// | --- | --- | --- | --- |
/// | `.duration(.seconds(600))` | at 50 min | at 5 min (half) | at 10 s (half) |
/// | `.fraction(0.1)` | at 54 min | at 9 min | at 18 s |
/// | `.duration(.seconds(3600))` | at 30 min (half) | at 5 min (half) | at 10 s (half) |
public struct RenewBefore: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case duration(Duration)
        case fraction(Double)
    }

    let kind: Kind

    /// Renew `duration` before expiry (`renew_before: 1h`).
    public static func duration(_ duration: Duration) -> RenewBefore { RenewBefore(kind: .duration(duration)) }

    /// Renew when `fraction` (0 < fraction < 1) of the lifetime is left (`renew_before: 10%` is `0.1`).
    public static func fraction(_ fraction: Double) -> RenewBefore { RenewBefore(kind: .fraction(fraction)) }

    /// How long before the end of `lifetime` to renew, capped to half of it when it would be `lifetime` or more.
    public func lead(forLifetime lifetime: Duration) -> Duration {
        let lead: Duration = switch kind {
        case .duration(let duration): duration
        case .fraction(let fraction): lifetime * max(0, fraction)
        }
        return lead >= lifetime ? lifetime / 2 : max(lead, .zero)
    }

    /// When `token` should be renewed, on the provider's clock.
    public func renewalTime(for token: AccessToken) -> Duration {
        token.expiresAt - lead(forLifetime: token.lifetime)
    }

    /// Records problems with this setting at `key`.
    func validate(into check: inout ConfigurationValidator, key: String) {
        switch kind {
        case .duration(let duration):
            check.require(duration >= .zero, key, "must not be negative, got \(duration)")
        case .fraction(let fraction):
            check.require(fraction > 0 && fraction < 1, key, "a fraction must be between 0 and 1 (0% and 100%), got \(fraction)")
        }
    }

    /// `1 h` or `10%`.
    public var description: String {
        switch kind {
        case .duration(let duration): duration.humanReadable
        case .fraction(let fraction): "\((fraction * 1000).rounded() / 10)%"
        }
    }
}
