import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// The audit sink in PostgreSQL: table `audit_events` (one row per event, partitioned by month on
/// `time`, key `(id, time)`) and `audit_anchor` (the last record shipped from each journal).
///
/// The schema is created on first use, in a transaction under an advisory lock, so two instances
/// starting at once both succeed. Shipping uses one connection kept between batches (`PostgresConnection`,
/// connected within ``connectTimeout``, dropped after any error and opened again on the next call);
/// reads open their own short connection, so a query never lands inside a shipment's transaction.
/// Errors are ``AuditStoreError``s, in words and without the password.
public final class PostgresAuditStore: AuditStore {
    /// The database, password masked in its description.
    public let url: AuditDatabaseURL
    /// How long connecting and authenticating may take. Default 5 s.
    public let connectTimeout: Duration
    let logger: Logger
    let session = Mutex(Session())

    /// The shipping connection and what is known about the schema on it.
    struct Session {
        var connection: PostgresConnection?
        var schemaReady = false
        var partitions: Set<AuditPartition> = []
    }

    private static let connectionIDs = Atomic<Int>(0)

    /// A store for `url` (`postgres://user:password@host:port/database`); nothing is connected yet.
    /// - Throws: ``AuditDatabaseURLError`` when the URL cannot be used.
    public init(url: String, connectTimeout: Duration = .seconds(5), logger: Logger) throws(AuditDatabaseURLError) {
        self.url = try AuditDatabaseURL(url)
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    /// Runs `body` on the shipping connection (opened, and the schema ensured, when needed); any error
    /// drops the connection.
    func withSession<T>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            if let open = session.withLock({ $0.connection }), !open.isClosed {
                connection = open
            } else {
                connection = try await connect()
                session.withLock {
                    $0.connection = connection
                    $0.schemaReady = false
                    $0.partitions = []
                }
            }
            if !session.withLock({ $0.schemaReady }) {
                try await Self.ensureSchema(on: connection, logger: logger)
                session.withLock { $0.schemaReady = true }
            }
            return try await body(connection)
        } catch {
            let failed = session.withLock { session -> PostgresConnection? in
                defer { session.connection = nil }
                return session.connection
            }
            try? await failed?.close()
            throw AuditStoreError.describing(error, while: action, url: url)
        }
    }

    /// Runs `body` on a connection of its own, closed afterwards.
    func withReadConnection<T>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            let connection = try await connect()
            do {
                try await Self.ensureSchema(on: connection, logger: logger)
                let value = try await body(connection)
                try? await connection.close()
                return value
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw AuditStoreError.describing(error, while: action, url: url)
        }
    }

    private func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: url.connectionConfiguration(connectTimeout: connectTimeout),
            id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue,
            logger: logger
        )
    }

    public func close() async {
        let connection = session.withLock { session -> PostgresConnection? in
            defer { session.connection = nil }
            return session.connection
        }
        try? await connection?.close()
    }

    /// Runs `body` between `BEGIN` and `COMMIT` (`ROLLBACK` when it throws).
    static func transaction<T>(on connection: PostgresConnection, logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await body()
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
