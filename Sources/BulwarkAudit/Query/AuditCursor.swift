import Foundation

/// Where a page ends: the last event's time (Unix milliseconds) and id. Its text form is opaque to
/// callers (`base64url` of `milliseconds:id`); the next page holds the events strictly older in the
/// order (time, id) descending.
struct AuditCursor: Sendable, Equatable {
    var milliseconds: Int64
    var id: AuditEventID

    init(milliseconds: Int64, id: AuditEventID) {
        self.milliseconds = milliseconds
        self.id = id
    }

    /// The cursor after `entry`.
    init(after entry: AuditEntry) { self.init(milliseconds: entry.time.auditMilliseconds, id: entry.id) }

    /// Reads a cursor's text; nil when it is not one.
    init?(_ text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: ":")
        guard parts.count == 2, let milliseconds = Int64(parts[0]), let id = AuditEventID(String(parts[1])) else { return nil }
        self.init(milliseconds: milliseconds, id: id)
    }

    /// The opaque text.
    var text: String {
        Data("\(milliseconds):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `entry` comes after this cursor in newest-first order.
    func precedes(_ entry: AuditEntry) -> Bool {
        AuditEntryOrder.newerFirst(AuditEntryOrder.Key(milliseconds: milliseconds, id: id), AuditEntryOrder.Key(entry))
    }
}

/// Newest first: by time, then by id bytes (PostgreSQL's uuid order), both descending.
enum AuditEntryOrder {
    struct Key {
        var milliseconds: Int64
        var id: AuditEventID

        init(milliseconds: Int64, id: AuditEventID) {
            self.milliseconds = milliseconds
            self.id = id
        }

        init(_ entry: AuditEntry) { self.init(milliseconds: entry.time.auditMilliseconds, id: entry.id) }
    }

    /// Whether `a` comes before `b` in newest-first order.
    static func newerFirst(_ a: Key, _ b: Key) -> Bool {
        if a.milliseconds != b.milliseconds { return a.milliseconds > b.milliseconds }
        return withUnsafeBytes(of: a.id.uuid.uuid) { left in
            withUnsafeBytes(of: b.id.uuid.uuid) { right in
                left.lexicographicallyPrecedes(right) == false && !left.elementsEqual(right)
            }
        }
    }

    static func newerFirst(_ a: AuditEntry, _ b: AuditEntry) -> Bool { newerFirst(Key(a), Key(b)) }
}
