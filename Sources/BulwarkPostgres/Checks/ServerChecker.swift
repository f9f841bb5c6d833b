import BulwarkConfig
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Checks one server of a cluster the way the proxy needs to know it: a new connection with the `check`
/// credentials, one query for its role and WAL position, and close, within the check's timeout.
///
/// The query: `pg_is_in_recovery()`; the current WAL LSN on a primary or the last replayed LSN on a
/// replica; and on a replica `now() − pg_last_xact_replay_timestamp()` in seconds. ``ClusterTopology``
/// turns a round of these into roles and lag.
struct ServerChecker: Sendable {
    static let query: PostgresQuery = """
        SELECT pg_is_in_recovery(),
               (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text,
               extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
        """

    let settings: PostgresCheckSettings
    let logger: Logger

    private static let connectionIDs = Atomic<Int>(0)

    /// One check of `server`; never throws: a failure is a ``ServerCheckResult/failed(_:)`` in words.
    /// A check that has no answer within the timeout fails, and its connection is closed.
    func check(_ server: PostgresServerAddress) async -> ServerCheckResult {
        let timeout = settings.timeout
        let attempt = Attempt()
        return await withCheckedContinuation { continuation in
            let work = Task {
                let result = await self.run(server, timeout: timeout, attempt: attempt)
                if attempt.finish() { continuation.resume(returning: result) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                guard attempt.finish() else { return }
                // The check has no answer: give up on it.
                continuation.resume(returning: .failed("no answer within \(DurationSyntax.format(timeout))"))
                work.cancel()
                try? await attempt.connection?.close()
            }
        }
    }

    /// One check's state: whether it has finished (answered or timed out), and its connection.
    final class Attempt: Sendable {
        private let state = Mutex<(finished: Bool, connection: PostgresConnection?)>((false, nil))

        /// Marks it finished; true for the first caller only.
        func finish() -> Bool {
            state.withLock { state in
                defer { state.finished = true }
                return !state.finished
            }
        }

        var connection: PostgresConnection? { state.withLock { $0.connection } }

        func connected(_ connection: PostgresConnection) { state.withLock { $0.connection = connection } }
    }

    private func run(_ server: PostgresServerAddress, timeout: Duration, attempt: Attempt) async -> ServerCheckResult {
        var configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: settings.user, password: settings.password,
            database: settings.database, tls: .disable
        )
        configuration.options.connectTimeout = TimeAmount(timeout)
        configuration.options.additionalStartupParameters = [("application_name", "bulwark-check")]
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue, logger: logger
            )
        } catch {
            return .failed(words(for: error))
        }
        attempt.connected(connection)
        defer { Task { try? await connection.close() } }
        do {
            let rows = try await connection.query(Self.query, logger: logger)
            for try await (inRecovery, wal, replayAge) in rows.decode((Bool, String?, Double?).self) {
                return .reachable(inRecovery: inRecovery, wal: wal.flatMap(WALPosition.init), replayAge: inRecovery ? replayAge : nil)
            }
            return .failed("the check query returned no row")
        } catch {
            return .failed(words(for: error))
        }
    }

    /// PostgresNIO's error in words, never holding the password.
    private func words(for error: any Error) -> String {
        var text: String
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                text = error.serverInfo?[.message] ?? "server error"
                if let state = error.serverInfo?[.sqlState] { text += " (\(state))" }
            case .connectionError:
                text = error.underlying.map { ConnectFailure.words($0) } ?? "cannot connect"
            case .serverClosedConnection, .uncleanShutdown:
                text = "the server closed the connection"
            case .authMechanismRequiresPassword:
                text = "the server asks for a password and check.password is not set"
            default:
                text = "\(error.code)" + (error.underlying.map { ": \(ConnectFailure.words($0))" } ?? "")
            }
        } else {
            text = ConnectFailure.words(error)
        }
        if let password = settings.password, !password.isEmpty {
            text = text.replacingOccurrences(of: password, with: "***")
        }
        return text
    }
}
