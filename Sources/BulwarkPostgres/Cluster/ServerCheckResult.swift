/// The outcome of one check of one server: what `pg_is_in_recovery()` and the WAL functions said, or
/// why the check failed.
public enum ServerCheckResult: Sendable, Hashable {
    /// The server answered.
    ///
    /// - `inRecovery`: `pg_is_in_recovery()`: true on a replica (standby), false on a primary.
    /// - `wal`: `pg_current_wal_lsn()` on a primary, `pg_last_wal_replay_lsn()` on a replica; nil when
    ///   unknown.
    /// - `replayAge`: on a replica, the seconds of `now() − pg_last_xact_replay_timestamp()`; nil when
    ///   that is null (nothing replayed yet) or on a primary.
    case reachable(inRecovery: Bool, wal: WALPosition?, replayAge: Double?)
    /// The check failed: why (connection refused, timeout, authentication failed …), with no secret in it.
    case failed(String)
}
