import BulwarkAudit
import Foundation

/// How `bulwark audit` prints events and verifications: pure text from values.
enum AuditOutput {
    /// Events' times to the millisecond, UTC.
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(time(date))
        }
        return encoder
    }()

    /// One event as one line of JSON (the same field names as `GET /api/audit`).
    static func jsonLine(_ event: AuditEntry) throws -> String {
        String(decoding: try encoder.encode(event), as: UTF8.self)
    }

    /// Events as an aligned table: time, kind, actor, method, path (or action), status, route (or subject).
    static func table(_ events: [AuditEntry]) -> String {
        let header = ["TIME", "KIND", "ACTOR", "METHOD", "PATH", "STATUS", "ROUTE"]
        let rows = events.map { event in
            [
                time(event.time), event.kind.rawValue, event.actor ?? "-", event.method ?? "-",
                event.path ?? event.action ?? "-", event.status.map(String.init) ?? "-", event.route ?? event.subject ?? "-",
            ]
        }
        guard !rows.isEmpty else { return "no audit events match" }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A verification in words: what was checked, each problem with its position, the verdict.
    static func text(_ verification: AuditVerification) -> String {
        var lines: [String] = []
        let span = verification.firstSequence.map { first in " (sequence \(first)…\(verification.lastSequence ?? first))" } ?? ""
        lines.append("checked \(verification.recordsChecked) records\(span)")
        if let head = verification.head { lines.append("head \(head)") }
        for problem in verification.problems {
            lines.append("problem at \(position(problem.position)): \(problem.description)")
        }
        lines.append(verification.isIntact ? "intact" : "NOT intact: \(verification.problems.count) problem\(verification.problems.count == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }

    /// `segment-….log offset 4096, record 17`.
    static func position(_ position: AuditRecordPosition) -> String {
        var text = "\(position.segment) offset \(position.offset)"
        if let sequence = position.sequence { text += ", record \(sequence)" }
        return text
    }

    /// A verification as one JSON object.
    static func json(_ verification: AuditVerification) throws -> String {
        let body = VerificationBody(
            records_checked: verification.recordsChecked, first_sequence: verification.firstSequence,
            last_sequence: verification.lastSequence, head: verification.head, intact: verification.isIntact,
            problems: verification.problems.map {
                VerificationBody.Problem(segment: $0.position.segment, offset: $0.position.offset, sequence: $0.position.sequence, description: $0.description)
            }
        )
        return String(decoding: try encoder.encode(body), as: UTF8.self)
    }

    struct VerificationBody: Encodable {
        var records_checked: Int
        var first_sequence: UInt64?
        var last_sequence: UInt64?
        var head: String?
        var intact: Bool
        var problems: [Problem]

        struct Problem: Encodable {
            var segment: String
            var offset: Int
            var sequence: UInt64?
            var description: String
        }
    }
}
