import BulwarkPostgresWire
import CoreMetrics
import Foundation
import Logging
import Resilience

/// Who a session is, for query timing and the slow-query log.
struct SessionIdentity: Sendable {
    var user: String
    var database: String
    var applicationName: String?
}

extension ClusterRuntime {
    /// A session's server accepted it (its first ReadyForQuery): it is counted, and gets the timer of its
    /// database. Only now, so that names a client makes up before authenticating add no metric series.
    func authenticated(listener: PostgresListenerRole, identity: SessionIdentity) -> CoreMetrics.Timer {
        telemetry.sessionStarted(cluster: name, listener: listener, application: identity.applicationName)
        return telemetry.queryTimer(cluster: name, database: identity.database)
    }

    /// A query finished in a session of `identity`: into the histogram, and over `slow_query.warning`
    /// into the log and the slow-query list.
    func recordQuery(_ query: TimedQuery, identity: SessionIdentity, timer: CoreMetrics.Timer, now: Date = Date()) {
        timer.record(duration: query.duration)
        queryCount.add(1, ordering: .relaxed)
        let slow = settings.slowQuery
        let isError = query.duration >= slow.error
        guard isError || query.duration >= slow.warning else { return }
        let text = slow.logParameters ? query.statement : StatementText.masked(query.statement)
        let statement = StatementText.truncated(text, limit: 1_000)
        let milliseconds = query.duration.secondsDouble * 1_000
        let level = isError ? "error" : "warning"
        let entry = PostgresSlowQuery(
            durationMS: (milliseconds * 10).rounded() / 10, database: identity.database, user: identity.user,
            applicationName: identity.applicationName, statement: statement, at: now, level: level
        )
        state.withLock { $0.slowLog.append(entry) }
        telemetry.slowQuery(cluster: name, database: identity.database, level: level)
        var metadata: Logger.Metadata = [
            "cluster": "\(name)", "database": "\(identity.database)", "user": "\(identity.user)",
            "duration_ms": "\(entry.durationMS)", "statement": "\(statement)",
        ]
        if let application = identity.applicationName { metadata["application"] = "\(application)" }
        logger.log(
            level: isError ? .error : .warning,
            "postgres: slow query (\(entry.durationMS) ms, over slow_query.\(level)) on \(name)/\(identity.database) by \(identity.user): \(statement)",
            metadata: metadata
        )
    }
}
