import BulwarkAudit
import BulwarkConfig
import Foundation

extension APIBody {
    /// Audit answers keep the events' times to the millisecond.
    static let auditEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var container = encoder.singleValueContainer()
            try container.encode(formatter.string(from: date))
        }
        return encoder
    }()

    /// The answer of `GET /api/audit`.
    struct AuditEvents: Encodable {
        var events: [AuditEntry]
        var next_cursor: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(events, forKey: .events)
            try container.encode(next_cursor, forKey: .next_cursor)   // null on the last page, not absent
        }

        enum CodingKeys: String, CodingKey { case events, next_cursor }
    }

    /// The answer of `GET /api/audit/status`.
    struct AuditStatus: Encodable {
        var durability: String
        var on_failure: String
        var journal: Journal
        var shipper: Shipper?

        struct Journal: Encodable {
            var directory: String
            var available: Bool
            var last_sequence: UInt64
            var durable_sequence: UInt64
            var head: String?
            var bytes: Int
            var segments: Int
            var events_written: Int
            var last_failure: String?
        }

        struct Shipper: Encodable {
            var state: String
            var shipped_sequence: UInt64
            var lag_events: Int
            var lag_seconds: Double
            var last_error: String?
        }

        init(_ status: AuditLogStatus, settings: AuditSettings) {
            durability = settings.durability.rawValue
            on_failure = settings.onFailure.rawValue
            let journal = status.journal
            self.journal = Journal(
                directory: settings.journal, available: journal.available,
                last_sequence: UInt64(journal.lastSequence), durable_sequence: UInt64(journal.durableSequence),
                head: journal.head, bytes: Int(journal.bytes), segments: Int(journal.segments),
                events_written: Int(journal.eventsWritten), last_failure: journal.lastFailure
            )
            shipper = status.shipper.map { shipper in
                Shipper(
                    state: shipper.state, shipped_sequence: UInt64(shipper.shippedSequence), lag_events: Int(shipper.lagEvents),
                    lag_seconds: shipper.lagSeconds, last_error: shipper.lastError.map(SecretRedaction.redactingURLs(in:))
                )
            }
        }
    }
}
