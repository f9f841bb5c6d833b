/// `postgres.NAME.slow_query`: when a finished query is logged as slow and raises the `slow_query` alert.
public struct SlowQuerySettings: Sendable, Hashable {
    /// `warning`: a query slower than this is logged at warning level. Defaults to
    /// ``PostgresClusterSettings/Defaults/slowQueryWarning``.
    public var warning: Duration = PostgresClusterSettings.Defaults.slowQueryWarning
    /// `error`: a query slower than this is logged at error level (at least `warning`). Defaults to
    /// ``PostgresClusterSettings/Defaults/slowQueryError``.
    public var error: Duration = PostgresClusterSettings.Defaults.slowQueryError
    /// `log_parameters`: with `true`, logged statements keep their literals; by default they are
    /// masked as `?`.
    public var logParameters = false

    /// Settings with every default.
    public init() {}
}
