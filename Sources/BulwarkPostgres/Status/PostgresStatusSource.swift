import Foundation

/// Something that can report the PostgreSQL clusters' status: the proxy, or a fixed value in tests.
///
/// The admin API (`GET /api/postgres`), the health monitor (alert rules) and the dashboard read it.
///
/// ```swift
/// struct FixedStatus: PostgresStatusSource {
///     var value: PostgresStatus
///     func status(now: Date) -> PostgresStatus { value }
/// }
/// ```
public protocol PostgresStatusSource: Sendable {
    /// The status of every cluster at `now`.
    func status(now: Date) -> PostgresStatus
}
