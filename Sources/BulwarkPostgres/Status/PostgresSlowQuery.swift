import Foundation

/// One query that took longer than its cluster's `slow_query.warning`, as `/api/postgres` lists it.
///
/// Encodes as `{"duration_ms":1240,"database":"app","user":"web","application_name":null,
/// "statement":"select …","at":"2026-12-01T03:04:05.678Z","level":"warning"}`.
public struct PostgresSlowQuery: Sendable, Hashable, Codable {
    /// How long it took, from `Query`/`Sync` to `ReadyForQuery`, in milliseconds (`duration_ms`).
    public var durationMS: Double
    /// The database the session connected to.
    public var database: String
    /// The user the session connected as.
    public var user: String
    /// The client's `application_name`, when it sent one (`application_name`).
    public var applicationName: String?
    /// The statement text: literals masked unless `slow_query.log_parameters`, at most 1,000 characters.
    public var statement: String
    /// When it finished (ISO 8601 with fractional seconds, UTC).
    public var at: Date
    /// `"warning"` (over `slow_query.warning`) or `"error"` (over `slow_query.error`).
    public var level: String

    /// A slow query.
    public init(durationMS: Double, database: String, user: String, applicationName: String?, statement: String, at: Date, level: String) {
        self.durationMS = durationMS
        self.database = database
        self.user = user
        self.applicationName = applicationName
        self.statement = statement
        self.at = at
        self.level = level
    }

    enum CodingKeys: String, CodingKey {
        case durationMS = "duration_ms"
        case database, user
        case applicationName = "application_name"
        case statement, at, level
    }

    /// Decodes the JSON form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        durationMS = try container.decode(Double.self, forKey: .durationMS)
        database = try container.decode(String.self, forKey: .database)
        user = try container.decode(String.self, forKey: .user)
        applicationName = try container.decodeIfPresent(String.self, forKey: .applicationName)
        statement = try container.decode(String.self, forKey: .statement)
        guard let at = try PostgresStatusDate.decode(forKey: .at, in: container) else {
            throw DecodingError.valueNotFound(Date.self, .init(codingPath: container.codingPath + [CodingKeys.at], debugDescription: "at is null"))
        }
        self.at = at
        level = try container.decode(String.self, forKey: .level)
    }

    /// Encodes the JSON form (`application_name` as null when absent).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(durationMS, forKey: .durationMS)
        try container.encode(database, forKey: .database)
        try container.encode(user, forKey: .user)
        try container.encode(applicationName, forKey: .applicationName)
        try container.encode(statement, forKey: .statement)
        try PostgresStatusDate.encode(at, forKey: .at, in: &container)
        try container.encode(level, forKey: .level)
    }
}
