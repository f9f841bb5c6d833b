import Foundation

/// How the status values write and read their times: ISO 8601 in UTC with fractional seconds
/// (`2026-12-01T03:04:05.678Z`), as the admin API's audit answers do, whatever the encoder's date strategy.
enum PostgresStatusDate {
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)

    static func string(_ date: Date) -> String {
        date.formatted(fractional)
    }

    static func date(_ text: String) -> Date? {
        (try? fractional.parse(text)) ?? (try? whole.parse(text))
    }

    static func encode<Key: CodingKey>(_ date: Date?, forKey key: Key, in container: inout KeyedEncodingContainer<Key>) throws {
        if let date {
            try container.encode(string(date), forKey: key)
        } else {
            try container.encodeNil(forKey: key)
        }
    }

    static func decode<Key: CodingKey>(forKey key: Key, in container: KeyedDecodingContainer<Key>) throws -> Date? {
        guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = date(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an ISO 8601 time: \(text)")
        }
        return date
    }
}
