/// How many backups to keep, grandfather-father-son style, like restic's and borg's `--keep-daily`,
/// `--keep-weekly`, `--keep-monthly` and `--keep-yearly`.
///
/// Each rule keeps the newest backup of each of its N most recent periods that have a backup; the rules
/// are applied independently and a backup kept by any of them stays. The newest verified backup is
/// always kept as well. Counts below zero count as zero.
///
/// | rule | period | default |
/// | --- | --- | --- |
/// | ``daily`` | calendar day | 7 |
/// | ``weekly`` | ISO 8601 week (Monday first, week 1 holds January 4th) | 4 |
/// | ``monthly`` | calendar month | 12 |
/// | ``yearly`` | calendar year | 5 |
///
/// With the defaults and a backup every day for years, about two dozen backups stay, the oldest from
/// five years back. Use ``plan(for:calendar:)`` to decide what to delete.
public struct RetentionPolicy: Sendable, Hashable {
    /// How many most recent days with a backup keep their newest backup. Defaults to 7.
    public var daily: Int
    /// How many most recent ISO weeks with a backup keep their newest backup. Defaults to 4.
    public var weekly: Int
    /// How many most recent months with a backup keep their newest backup. Defaults to 12.
    public var monthly: Int
    /// How many most recent years with a backup keep their newest backup. Defaults to 5.
    public var yearly: Int

    /// Creates a policy; counts below zero count as zero.
    public init(daily: Int = 7, weekly: Int = 4, monthly: Int = 12, yearly: Int = 5) {
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
    }
}
