/// `postgres.NAME.check`: the credentials and timing of the role and lag checks each server gets.
///
/// Printing these settings never shows the password: ``description``, ``debugDescription`` and the
/// mirror `dump` walks show `***` in its place.
public struct PostgresCheckSettings: Sendable, Hashable {
    /// `user`: the role the checks log in as. Defaults to ``PostgresClusterSettings/Defaults/checkUser``.
    public var user: String = PostgresClusterSettings.Defaults.checkUser
    /// `password`: the role's password (best given as `${PG_MONITOR_PASSWORD}`); nil when the server
    /// needs none (trust, or a `.pgpass`-free peer setup). Never printed.
    public var password: String?
    /// `database`: the database the checks connect to. Defaults to ``PostgresClusterSettings/Defaults/checkDatabase``.
    public var database: String = PostgresClusterSettings.Defaults.checkDatabase
    /// `interval`: the time between two check rounds. Defaults to ``PostgresClusterSettings/Defaults/interval``.
    public var interval: Duration = PostgresClusterSettings.Defaults.interval
    /// `timeout`: a check slower than this fails (below `interval`); also the connect timeout to a
    /// server for a client session. Defaults to ``PostgresClusterSettings/Defaults/timeout``.
    public var timeout: Duration = PostgresClusterSettings.Defaults.timeout

    /// Settings with every default and no password.
    public init() {}
}

extension PostgresCheckSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `check(user: monitor, password: ***, database: postgres, interval: 2s, timeout: 1s)`; without a
    /// password, `password: none`.
    public var description: String {
        let password = password == nil ? "none" : SecretRedaction.mask
        return "check(user: \(user), password: \(password), database: \(database), interval: \(DurationSyntax.format(interval)), timeout: \(DurationSyntax.format(timeout)))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// The fields, with the password replaced by `***`, so reflection cannot reach it.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "user": user, "password": password == nil ? "none" : SecretRedaction.mask, "database": database,
            "interval": DurationSyntax.format(interval), "timeout": DurationSyntax.format(timeout),
        ], displayStyle: .struct)
    }
}
