extension AuditLog {
    /// What an ``AuditLog`` runs with (the `audit:` section, resolved).
    ///
    /// | property | default |
    /// | --- | --- |
    /// | ``databaseURL`` | nil: the journal alone |
    /// | ``waitsForDisk`` | true (`durability: sync`) |
    /// | ``retention`` | 400 days |
    /// | ``segmentBytes`` | 64 MiB |
    /// | ``asyncFlushInterval`` | 100 ms |
    /// | ``shipInterval`` | 1 s |
    /// | ``shipBatch`` | 500 |
    public struct Configuration: Sendable, Equatable {
        /// The journal's directory (created 0700 when missing).
        public var journal: String
        /// The PostgreSQL sink, `postgres://user:password@host:port/database`; nil for none.
        public var databaseURL: String?
        /// `sync`: ``AuditLog/record(_:)`` returns once the record is on disk. `async`: once written.
        public var waitsForDisk: Bool
        /// How long events are kept: older journal segments (once shipped) and database partitions go.
        public var retention: Duration
        /// A journal segment's size before the next one starts.
        public var segmentBytes: Int
        /// In `async` mode, how long a written record may wait for its `fsync`.
        public var asyncFlushInterval: Duration
        /// How long the shipper waits before looking again when caught up.
        public var shipInterval: Duration
        /// Records per shipment (one transaction) at most.
        public var shipBatch: Int

        /// A configuration; see the table above for defaults.
        public init(
            journal: String, databaseURL: String? = nil, waitsForDisk: Bool = true, retention: Duration = .seconds(400 * 86_400),
            segmentBytes: Int = 64 << 20, asyncFlushInterval: Duration = .milliseconds(100), shipInterval: Duration = .seconds(1),
            shipBatch: Int = 500
        ) {
            self.journal = journal
            self.databaseURL = databaseURL
            self.waitsForDisk = waitsForDisk
            self.retention = retention
            self.segmentBytes = segmentBytes
            self.asyncFlushInterval = asyncFlushInterval
            self.shipInterval = shipInterval
            self.shipBatch = shipBatch
        }

        /// The journal's options.
        var journalOptions: AuditJournal.Options {
            AuditJournal.Options(segmentBytes: segmentBytes, asyncFlushInterval: asyncFlushInterval)
        }

        /// The store, when a database is configured.
        func makeStore(logger: Logger) throws -> PostgresAuditStore? {
            guard let databaseURL else { return nil }
            return try PostgresAuditStore(url: databaseURL, logger: logger)
        }
    }
}

import Logging
