import Foundation

/// The one JSON form of an entry: keys sorted, times in Unix milliseconds, absent fields left out. The
/// writer is hand-made because it runs twice for every audited request (Foundation's `JSONEncoder`
/// cost about 50 µs a record here); records are read back with `JSONDecoder`, which accepts exactly
/// this form (``AuditRecord`` keeps the bytes it hashed, so the form only has to decode to the same
/// entry).
enum AuditEntryJSON {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    /// `entry` as JSON bytes, keys in the order `JSONEncoder` with `.sortedKeys` gives them.
    static func encode(_ entry: AuditEntry) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(512)
        writer.open()
        // Sorted by key (byte order), as `.sortedKeys` sorts them.
        writer.field("action", entry.action)
        writer.field("actor", entry.actor)
        writer.field("client", entry.client)
        if let detail = entry.detail {
            writer.key("detail")
            writer.open()
            for key in detail.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) { writer.field(key, detail[key]) }
            writer.close()
        }
        writer.field("duration_ms", entry.durationMilliseconds)
        writer.field("id", entry.id.description)
        writer.field("kind", entry.kind.rawValue)
        writer.field("method", entry.method)
        writer.field("outcome", entry.outcome)
        writer.field("path", entry.path)
        writer.field("request_body", entry.requestBody)
        writer.field("request_body_sha256", entry.requestBodySHA256)
        writer.field("request_id", entry.requestID)
        writer.field("response_body_sha256", entry.responseBodySHA256)
        writer.field("response_bytes", entry.responseBytes)
        writer.field("route", entry.route)
        writer.field("status", entry.status)
        writer.field("subject", entry.subject)
        writer.field("target", entry.target)
        writer.field("time", entry.time.timeIntervalSince1970 * 1000)
        writer.close()
        return writer.bytes
    }

    private struct Writer {
        var bytes: [UInt8] = []
        private var first = true

        mutating func open() {
            bytes.append(UInt8(ascii: "{"))
            first = true
        }

        mutating func close() {
            bytes.append(UInt8(ascii: "}"))
            first = false
        }

        mutating func key(_ name: String) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(name)
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func field(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            string(value)
        }

        mutating func field(_ name: String, _ value: Int?) {
            guard let value else { return }
            key(name)
            bytes.append(contentsOf: String(value).utf8)
        }

        mutating func field(_ name: String, _ value: Double?) {
            guard let value, value.isFinite else { return }
            key(name)
            if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                bytes.append(contentsOf: String(Int64(value)).utf8)
            } else {
                bytes.append(contentsOf: "\(value)".utf8)
            }
        }

        /// A JSON string: `"` and `\` escaped, control characters as `\u00XX`, everything else as UTF-8.
        mutating func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
