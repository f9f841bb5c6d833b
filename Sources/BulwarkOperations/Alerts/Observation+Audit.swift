import BulwarkAudit
import BulwarkConfig
import Foundation

extension Observation {
    /// The audit log as the monitor saw it (`audit:`): whether its journal takes records, and how far
    /// behind its shipper is. It holds no record content and no secret (a database URL's password is
    /// never in ``Shipper/lastError``).
    public struct AuditObservation: Sendable, Hashable {
        /// The shipper to PostgreSQL (`audit.database_url`).
        public struct Shipper: Sendable, Hashable {
            /// `caught_up`, `shipping` or `failing`.
            public var state: String
            /// Records in the journal not shipped yet.
            public var lagEvents: Int
            /// Age of the oldest record not shipped yet, in seconds (0 when caught up).
            public var lagSeconds: Double
            /// Why the last attempt failed, if it did.
            public var lastError: String?

            /// A shipper's state.
            public init(state: String, lagEvents: Int, lagSeconds: Double, lastError: String?) {
                self.state = state
                self.lagEvents = lagEvents
                self.lagSeconds = lagSeconds
                self.lastError = lastError
            }

            /// Whether its last attempt to write to the database failed.
            public var isFailing: Bool { state == "failing" }
        }

        /// Whether the journal takes records (false after a write or fsync failed, until one succeeds).
        public var journalAvailable: Bool
        /// Why the journal's last write failed, if it did.
        public var journalFailure: String?
        /// The shipper; nil without `audit.database_url`.
        public var shipper: Shipper?

        /// An observation from fixed values.
        public init(journalAvailable: Bool, journalFailure: String?, shipper: Shipper?) {
            self.journalAvailable = journalAvailable
            self.journalFailure = journalFailure
            self.shipper = shipper
        }
    }
}

extension Observation.AuditObservation {
    /// What an audit log's `status` says.
    public init(_ status: AuditLogStatus) {
        self.init(
            journalAvailable: status.journal.available, journalFailure: status.journal.lastFailure,
            shipper: status.shipper.map { Shipper(state: $0.state, lagEvents: Int($0.lagEvents), lagSeconds: $0.lagSeconds, lastError: $0.lastError.map(SecretRedaction.redactingURLs(in:))) }
        )
    }
}
