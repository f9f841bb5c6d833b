/// One finished query: from the client's `Query` ('Q') or `Sync` ('S') to the server's `ReadyForQuery` ('Z').
///
/// ``QueryTimer`` produces these; the shell feeds them to the histogram and, over the cluster's
/// `slow_query.warning`, to the slow-query log.
public struct TimedQuery: Sendable, Hashable {
    /// From the first message of the query (the `Query`, or the batch's first `Parse`/`Bind`/`Execute`/`Sync`)
    /// to the `ReadyForQuery` that ended it.
    public var duration: Duration
    /// The raw text: the `Query`'s text, or the `Parse` text of the statement the batch's last `Bind` named
    /// (the last `Parse` when there was no `Bind`); `"<function call>"` for a `FunctionCall`; `""` when unknown.
    /// Not masked: use ``StatementText/masked(_:)`` before logging it.
    public var statement: String

    /// A finished query.
    public init(duration: Duration, statement: String) {
        self.duration = duration
        self.statement = statement
    }
}
