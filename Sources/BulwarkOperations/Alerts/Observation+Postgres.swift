import BulwarkPostgres
import Foundation

extension PostgresClusterStatus {
    /// Whether any server has been checked yet: before the first round every role is unknown, which is
    /// no evidence that the cluster lacks a primary.
    public var hasBeenChecked: Bool { servers.contains { $0.checkedAt != nil } }

    /// The slow queries that finished within `window` seconds before `now`, by database (sorted by
    /// database name), each list slowest first.
    public func recentSlowQueries(before now: Date, window: Double) -> [(database: String, queries: [PostgresSlowQuery])] {
        var byDatabase: [String: [PostgresSlowQuery]] = [:]
        for query in slowQueries where now.timeIntervalSince(query.at) < window {
            byDatabase[query.database, default: []].append(query)
        }
        return byDatabase.keys.sorted().map { database in
            (database, byDatabase[database, default: []].sorted { $0.durationMS > $1.durationMS })
        }
    }

    /// Whether `query` is over this cluster's `slow_query.error` (or the proxy logged it as an error).
    public func isError(_ query: PostgresSlowQuery) -> Bool {
        query.level == "error" || query.durationMS >= slowQueryErrorSeconds * 1000
    }
}
